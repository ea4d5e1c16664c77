package io.bosun.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DelegationTest {
  private static final ResourceRef DELEGATE = new ResourceRef("VirtualService", "team", "reviews");

  private static HttpRoute to(String host, HttpMatch... matches) {
    return new HttpRoute("", List.of(matches), List.of(new RouteDestination(new Destination(host, "", 0), 100)));
  }

  private static HttpMatch uri(StringMatch m) {
    return new HttpMatch("", m, Map.of());
  }

  @Test
  void theRootRuleIsReplacedByTheDelegatesRulesWithBothMatchesAnded() {
    HttpRoute root = new HttpRoute("", List.of(new HttpMatch("", StringMatch.prefix("/reviews"),
        Map.of("x-team", StringMatch.exact("a")))), List.of(), null, null, null, null, null, null, null, null, null,
        DELEGATE);
    VirtualService rootVs = new VirtualService(new ResourceRef("VirtualService", "default", "root"), List.of("shop"),
        List.of(), List.of(root, to("fallback")));
    VirtualService delegate = new VirtualService(DELEGATE, List.of(), List.of(), List.of(
        to("v2", uri(StringMatch.prefix("/reviews/v2"))),
        to("outside", uri(StringMatch.prefix("/ratings"))),
        to("v1")));
    List<VirtualService> out = Delegation.flatten(List.of(rootVs, delegate));
    assertThat(out).singleElement().satisfies(vs -> {
      assertThat(vs.http()).extracting(r -> r.route().get(0).destination().host())
          .containsExactly("v2", "v1", "fallback");
      HttpMatch v2 = vs.http().get(0).matches().get(0);
      assertThat(v2.uri()).isEqualTo(StringMatch.prefix("/reviews/v2"));
      assertThat(v2.headers()).containsEntry("x-team", StringMatch.exact("a"));
      assertThat(vs.http().get(1).matches()).singleElement()
          .satisfies(m -> assertThat(m.uri()).isEqualTo(StringMatch.prefix("/reviews")));
    });
  }

  @Test
  void aMissingDelegateContributesNothingAndDelegatesNeverServeAlone() {
    HttpRoute root = new HttpRoute("", List.of(), List.of(), null, null, null, null, null, null, null, null, null,
        DELEGATE);
    List<VirtualService> out = Delegation.flatten(List.of(new VirtualService(
        new ResourceRef("VirtualService", "default", "root"), List.of("shop"), List.of(), List.of(root))));
    assertThat(out).singleElement().satisfies(vs -> assertThat(vs.http()).isEmpty());
    assertThat(Delegation.flatten(List.of(new VirtualService(DELEGATE, List.of(), List.of(), List.of(to("v1"))))))
        .isEmpty();
  }

  @Test
  void conflictingConditionsDropThePair() {
    assertThat(Delegation.merge(List.of(uri(StringMatch.exact("/a"))), List.of(uri(StringMatch.exact("/b"))))).isNull();
    HttpMatch get = new HttpMatch("", null, Map.of(), StringMatch.exact("GET"), null, null, null, null, false, 0, null,
        null, null);
    HttpMatch post = new HttpMatch("", null, Map.of(), StringMatch.exact("POST"), null, null, null, null, false, 0,
        null, null, null);
    assertThat(Delegation.merge(List.of(get), List.of(post))).isNull();
    assertThat(Delegation.merge(List.of(get), List.of(uri(StringMatch.exact("/x"))))).singleElement()
        .satisfies(m -> assertThat(m.method()).isEqualTo(StringMatch.exact("GET")));
  }
}
