# The Bosun image: the control plane (`bosun kube`) and the sidecar's init container
# (`bosun intercept`, hence iptables). Build after `./mvnw -B package -DskipTests`:
#   docker build -t ghcr.io/bosun-mesh/bosun:0.1.0 .
FROM eclipse-temurin:17-jre
RUN apt-get update \
 && apt-get install -y --no-install-recommends iptables \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 1337 --no-create-home --shell /usr/sbin/nologin bosun
COPY control-plane/app/target/bosun.jar /opt/bosun/bosun.jar
COPY control-plane/app/target/lib/ /opt/bosun/lib/
RUN printf '#!/bin/sh\nexec java ${BOSUN_JAVA_OPTS:-} -jar /opt/bosun/bosun.jar "$@"\n' > /usr/local/bin/bosun \
 && printf '#!/bin/sh\nexec java ${BOSUN_JAVA_OPTS:-} -cp /opt/bosun/bosun.jar io.bosun.cli.Bosunctl "$@"\n' > /usr/local/bin/bosunctl \
 && chmod 755 /usr/local/bin/bosun /usr/local/bin/bosunctl
USER 1337
ENTRYPOINT ["bosun"]
