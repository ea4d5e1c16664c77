package io.bosun.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Regexes refused from their text alone, before anything compiles them (findings 3 and 14). */
class RegexLimitsTest {
  static List<String> errorsFor(String regex) {
    String yaml = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: re, namespace: default}
        spec:
          hosts: [x]
          http: [{match: [{uri: {regex: "%s"}}], route: [{destination: {host: x}}]}]
        """.formatted(regex.replace("\\", "\\\\"));
    return new ConfigParser().parse("re.yaml", yaml).conversions().get(0).problems().stream()
        .map(ConfigError::toString).toList();
  }

  @Test
  void thousandsOfNestedGroupsAreRefusedNotOverflowingTheStack() {
    // finding 3: "(" x 5000 + ")" x 5000 overflowed re2j's stack and killed the file watcher
    String deep = "(".repeat(5000) + ")".repeat(5000);
    List<String> errors = errorsFor(deep);
    assertThat(errors).singleElement().satisfies(e -> assertThat(e)
        .contains("spec.http[0].match[0].uri.regex: regular expression \"((((")
        .contains("(10000 characters)").contains("the limit is 1024"));
    String deepButShort = "(".repeat(300) + "a" + ")".repeat(300);
    assertThat(errorsFor(deepButShort)).singleElement().satisfies(e -> assertThat(e)
        .contains("nests groups more than 64 deep"));
  }

  @Test
  void aHugeLiteralIsRefusedQuicklyWithoutEchoingIt() {
    // finding 14: 25 s to reject a 200,000-character literal, and the whole of it echoed in the error
    long t0 = System.nanoTime();
    List<String> errors = errorsFor("a".repeat(200_000));
    assertThat(System.nanoTime() - t0).isLessThan(2_000_000_000L);
    assertThat(errors).singleElement().satisfies(e -> assertThat(e.length()).isLessThan(400));
  }

  @Test
  void nestedRepetitionsBeyondRe2sLimitAreRefused() {
    // finding 14: ((a{100}){100}){100} is a million instructions; compiling it took seconds
    assertThat(errorsFor("((a{100}){100}){100}")).singleElement().satisfies(e -> assertThat(e)
        .contains("repeats nested repetitions more than 1000 times"));
    assertThat(RegexLimits.problem("(a{10}){100}")).isNull(); // 1000: RE2's own limit allows it
    assertThat(RegexLimits.problem("(a{10}){101}")).isNotNull();
  }

  @Test
  void ordinaryRegexesPassTheLimits() {
    for (String ok : List.of("/api/v[0-9]+/.*", "^/(users|groups)/[^/]+$", "[]a]", "[^]]", "\\(", "[(]{3}",
        "a{2,5}", "(?i)/x", "[[:alpha:]]+")) {
      assertThat(RegexLimits.problem(ok)).as(ok).isNull();
    }
  }
}
