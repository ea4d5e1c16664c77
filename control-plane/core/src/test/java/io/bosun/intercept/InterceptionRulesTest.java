package io.bosun.intercept;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class InterceptionRulesTest {
  @Test
  void defaultsCaptureEverythingButTheProxyItselfAndLoopback() {
    String rules = InterceptionRules.defaults().render();
    assertThat(rules).startsWith("*nat\n").endsWith("COMMIT\n")
        .contains("-A BOSUN_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006",
            "-A BOSUN_REDIRECT -p tcp -j REDIRECT --to-ports 15001",
            "-A PREROUTING -p tcp -j BOSUN_INBOUND",
            "-A BOSUN_INBOUND -p tcp --dport 15090 -j RETURN",
            "-A BOSUN_INBOUND -p tcp --dport 15021 -j RETURN",
            "-A BOSUN_INBOUND -p tcp --dport 15020 -j RETURN",
            "-A BOSUN_OUTPUT -s 127.0.0.6/32 -o lo -j RETURN",
            "-A BOSUN_OUTPUT -m owner --uid-owner 1337 -j RETURN",
            "-A BOSUN_OUTPUT -m owner --gid-owner 1337 -j RETURN",
            "-A BOSUN_OUTPUT -d 127.0.0.1/32 -j RETURN",
            "-A BOSUN_OUTPUT -j BOSUN_REDIRECT");
    // every exception must come before the catch-all redirect, or it would never apply
    assertThat(rules.indexOf("--uid-owner 1337 -j RETURN"))
        .isLessThan(rules.indexOf("-A BOSUN_OUTPUT -j BOSUN_REDIRECT"));
    assertThat(rules.indexOf("--dport 15021 -j RETURN"))
        .isLessThan(rules.indexOf("-A BOSUN_INBOUND -p tcp -j BOSUN_IN_REDIRECT"));
  }

  @Test
  void annotationsNarrowWhatIsCaptured() {
    String rules = new InterceptionRules(1337, 1337, 15006, 15001, List.of("8080", "15021"), List.of(),
        List.of("10.96.0.0/12"), List.of("10.96.0.1/32"), List.of("3306")).render();
    assertThat(rules).contains("-A BOSUN_INBOUND -p tcp --dport 8080 -j BOSUN_IN_REDIRECT",
            "-A BOSUN_OUTPUT -p tcp --dport 3306 -j RETURN",
            "-A BOSUN_OUTPUT -d 10.96.0.1/32 -j RETURN",
            "-A BOSUN_OUTPUT -d 10.96.0.0/12 -j BOSUN_REDIRECT")
        .doesNotContain("--dport 15021 -j BOSUN_IN_REDIRECT", "-A BOSUN_OUTPUT -j BOSUN_REDIRECT");
    String noInbound = new InterceptionRules(1337, 1337, 15006, 15001, List.of(), List.of(), List.of("*"), List.of(),
        List.of()).render();
    assertThat(noInbound).doesNotContain("-A PREROUTING");
  }

  @Test
  void badValuesAreRejectedWithWhatWasWrong() {
    assertThatThrownBy(() -> new InterceptionRules(1337, 1337, 15006, 15001, List.of("*"), List.of("http"),
        List.of("*"), List.of(), List.of())).hasMessage("exclude inbound ports: \"http\" is not a port");
    assertThatThrownBy(() -> new InterceptionRules(1337, 1337, 15006, 15001, List.of("*"), List.of(),
        List.of("10.0.0.0/33"), List.of(), List.of()))
        .hasMessage("include outbound IP ranges: \"10.0.0.0/33\" is not an IPv4 CIDR or *");
    assertThat(InterceptionRules.list(" 1, 2,,3 ")).containsExactly("1", "2", "3");
  }
}
