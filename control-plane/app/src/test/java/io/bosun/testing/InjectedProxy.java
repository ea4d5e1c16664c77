package io.bosun.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.envoy.EnvoyBinary;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An injected pod's {@code istio-proxy} container run as the kubelet runs it: its arguments with
 * {@code $(VAR)} expanded from its environment (downward API fields, the CPU limit), the Envoy binary
 * as its command, as the uid its securityContext names, inside the pod's network namespace.
 */
public final class InjectedProxy {
  private InjectedProxy() {
  }

  /** The downward API values of a pod (by field path, and {@code limits.cpu} as the injected 2000m rounds up). */
  public static Map<String, String> downward(String name, String namespace, String ip) {
    return Map.of("metadata.name", name, "metadata.namespace", namespace, "status.podIP", ip,
        "spec.serviceAccountName", "default", "limits.cpu", "2");
  }

  /** The kubelet's {@code $(VAR)} expansion of {@code arg} from the container's environment. */
  public static String expand(Container c, String arg, Map<String, String> downward) {
    String a = arg;
    for (EnvVar e : c.getEnv()) {
      EnvVarSource from = e.getValueFrom();
      String value = from == null ? e.getValue() : from.getFieldRef() != null
          ? downward.get(from.getFieldRef().getFieldPath()) : downward.get(from.getResourceFieldRef().getResource());
      a = a.replace("$(" + e.getName() + ")", value);
    }
    return a;
  }

  /** Starts the proxy in {@code pod} and waits until it is ready on 15021; fails with Envoy's log if it exits. */
  public static Process start(PodNetns pod, Container proxy, Map<String, String> downward) throws IOException {
    assertThat(proxy.getCommand()).containsExactly("envoy");
    Path envoy = pod.dir().resolve("envoy");
    try {
      Files.createLink(envoy, EnvoyBinary.require());
    } catch (IOException | UnsupportedOperationException e) {
      Files.copy(EnvoyBinary.require(), envoy, StandardCopyOption.REPLACE_EXISTING);
    }
    List<String> cmd = new ArrayList<>(List.of(envoy.toString()));
    proxy.getArgs().forEach(a -> cmd.add(expand(proxy, a, downward)));
    Path log = pod.dir().resolve("envoy.log");
    Process process = pod.start(proxy.getSecurityContext().getRunAsUser().intValue(), log, cmd);
    await("the injected proxy to be ready on 15021").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .failFast("Envoy exited", () -> assertThat(process.isAlive())
            .as("Envoy running; its log:%n%s", read(log)).isTrue())
        .until(() -> get("http://" + pod.ip() + ":15021/healthz/ready").statusCode() == 200);
    return process;
  }

  /** A GET with a 5 s timeout. */
  public static HttpResponse<String> get(String url) {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
          .build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return e.toString();
    }
  }
}
