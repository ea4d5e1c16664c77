package io.bosun.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RegexComplexityTest {
  /**
   * The RE2 program sizes Envoy 1.36.4 reported for these regexes (measured with
   * {@code re2.max_program_size.error_level: 1}, which makes Envoy print each size). The
   * estimate must never be below them, and should stay close enough to accept what Envoy does.
   */
  @ParameterizedTest
  @CsvSource(delimiterString = " => ", value = {
      "^/ratings/[0-9]+$ => 6",
      "^/(a|bb|ccc|dddd|eeeee|ffffff|ggggggg)+/x$ => 37",
      "^/(api|web|static)/[a-z0-9-]{1,20}/item$ => 103",
      "[a-z]{1,40} => 83",
      "[a-z0-9]{1,30} => 93",
      "[a-z0-9-]{1,30} => 123",
      "[a-zA-Z0-9_.-]{1,20} => 103",
      "\\w{1,30} => 123",
      "\\d{1,40} => 83",
      "^/v[0-9]+/users/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ => 81",
      ".*\\.(css|js|png|jpg|gif|svg|woff2?)$ => 38",
      "^/api/(users|orders|products|carts|payments|shipping|reviews|ratings)/.* => 68",
      "(?i)^/productpage$ => 4",
      "[^/]+ => 13",
      "^/[^/]{1,25}/[^/]{1,25}$ => 453",
      "Mozilla.*(Chrome|Firefox|Safari)/[0-9.]+ => 44",
      "^(GET|POST|PUT|DELETE|PATCH)$ => 24",
      "[\\x{4e00}-\\x{9fff}]+ => 10",
      "^/[a-z]{2}-[A-Z]{2}/.* => 18"})
  void neverUnderestimatesEnvoy(String regex, int envoySize) {
    int estimate = RegexComplexity.estimate(Pattern.compile(regex));
    assertThat(estimate).as(regex).isGreaterThanOrEqualTo(envoySize);
    if (envoySize <= 60) {
      assertThat(estimate).as("%s must not be rejected", regex)
          .isLessThanOrEqualTo(RegexComplexity.ENVOY_MAX_PROGRAM_SIZE);
    }
  }
}
