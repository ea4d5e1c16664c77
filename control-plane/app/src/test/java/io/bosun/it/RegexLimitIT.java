package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.config.ConfigParser;
import io.bosun.config.Conversion;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.envoy.EnvoyProcess;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Whatever regex Bosun accepts, the real Envoy accepts: Envoy NACKs a whole route table over one
 * regex whose RE2 program is too large, so Bosun's validator must reject those first.
 */
class RegexLimitIT {
  private static final List<String> REGEXES = List.of(
      "^/ratings/[0-9]+$", "[a-z]{1,40}", "[a-z]{1,45}", "[a-z]{1,50}", "[a-z0-9]{1,25}", "[a-z0-9]{1,35}",
      "[a-z0-9-]{1,20}", "[a-z0-9-]{1,30}", "\\w{1,20}", "\\w{1,30}", "[^/]+", "^/[^/]+/[^/]+$",
      "^/[^/]{1,8}/[^/]{1,8}$", "^/[^/]{1,25}/[^/]{1,25}$", "Mozilla.*(Chrome|Firefox|Safari)/[0-9.]+",
      "^/v[0-9]+/users/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
      "^/(api|web|static|images|css|js|fonts|media|assets|v1|v2|v3|v4)/[a-z0-9-]{1,20}/item$",
      "[\\x{4e00}-\\x{9fff}]{1,10}", ".{1,12}", ".{1,20}");

  @Test
  void everyRegexBosunAcceptsEnvoyAcceptsToo() {
    ConfigParser parser = new ConfigParser();
    List<String> accepted = new ArrayList<>();
    List<String> rejected = new ArrayList<>();
    for (String regex : REGEXES) {
      String quoted = "'" + regex.replace("'", "''") + "'";
      Conversion c = parser.parse("r.yaml", """
          apiVersion: networking.istio.io/v1
          kind: VirtualService
          metadata: {name: r}
          spec:
            hosts: [a]
            http: [{match: [{uri: {regex: %s}}], route: [{destination: {host: a}}]}]
          """.formatted(quoted)).conversions().get(0);
      if (c.valid()) {
        accepted.add(regex);
        String verdict = validate(regex);
        assertThat(verdict).as("Bosun accepted %s but Envoy rejects it", regex).isEmpty();
      } else {
        rejected.add(regex);
        assertThat(c.errors().get(0).toString()).contains("too complex for Envoy");
      }
    }
    List<String> envoyWouldTake = rejected.stream().filter(r -> validate(r).isEmpty()).toList();
    System.out.printf("accepted %d regexes; rejected as too complex: %s; of those Envoy would take: %s%n",
        accepted.size(), rejected, envoyWouldTake);
    assertThat(accepted).as("the check must not reject everything").hasSizeGreaterThanOrEqualTo(8);
    assertThat(rejected).as("and must reject what Envoy would").contains("[a-z0-9-]{1,30}", "^/[^/]{1,25}/[^/]{1,25}$");
  }

  /** Empty when Envoy accepts a route using the regex, else Envoy's complaint. */
  private static String validate(String regex) {
    String yaml = """
        static_resources:
          listeners:
          - name: l
            address: {socket_address: {address: 127.0.0.1, port_value: 1}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: x
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
                  route_config:
                    virtual_hosts:
                    - name: v
                      domains: ["*"]
                      routes: [{match: {safe_regex: {regex: %s}}, direct_response: {status: 200}}]
        """.formatted("'" + regex.replace("'", "''") + "'");
    try {
      EnvoyProcess.validate(EnvoyBinary.require(), yaml);
      return "";
    } catch (IllegalStateException | IllegalArgumentException e) {
      return e.getMessage();
    }
  }
}
