package io.bosun.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Flattening a root rule with a delegate: which delegate rules survive, with which match and actions. */
class DelegationTest {
  private static final ResourceRef REVIEWS = new ResourceRef(Kind.VIRTUAL_SERVICE, "shop", "reviews");
  private static final Destination V1 = new Destination("reviews.shop.svc.cluster.local", "v1", 0);
  private static final Destination V2 = new Destination("reviews.shop.svc.cluster.local", "v2", 0);

  private static HttpMatch uri(StringMatch m) {
    return new HttpMatch("", m, Map.of());
  }

  private static HttpRoute to(String name, List<HttpMatch> matches, Destination d) {
    return new HttpRoute(name, matches, List.of(new RouteDestination(d, 100, null)));
  }

  private static HttpRoute rootRule(String name, List<HttpMatch> matches, Duration timeout,
                                   RouteActions.Headers headers) {
    return new HttpRoute(name, matches, List.of(), timeout, null, null, null, null, headers, null, null, null,
        REVIEWS);
  }

  private static VirtualService root(HttpRoute... rules) {
    return new VirtualService(new ResourceRef(Kind.VIRTUAL_SERVICE, "default", "bookinfo"),
        List.of("bookinfo.example.com"), List.of("default/gw"), List.of(rules));
  }

  private static VirtualService delegate(HttpRoute... rules) {
    return new VirtualService(REVIEWS, List.of(), List.of(), List.of(rules));
  }

  private static Delegation.Result flatten(VirtualService root, VirtualService... others) {
    return Delegation.flatten(root, Delegation.lookup(List.of(others)));
  }

  @Test
  void delegateRulesReplaceTheRootRuleInOrderNarrowedToItsMatch() {
    HttpRoute rule = rootRule("reviews", List.of(uri(StringMatch.prefix("/reviews"))), null, null);
    HttpRoute fallback = to("rest", List.of(), V1);
    Delegation.Result r = flatten(root(rule, fallback), delegate(
        to("v2", List.of(uri(StringMatch.prefix("/reviews/v2"))), V2),
        to("", List.of(new HttpMatch("jason", null, Map.of("end-user", StringMatch.exact("jason")))), V2),
        to("", List.of(), V1)));

    assertThat(r.notes()).isEmpty();
    assertThat(r.routes()).extracting(HttpRoute::name).containsExactly("reviews-v2", "reviews", "reviews", "rest");
    assertThat(r.routes().get(0).matches()).singleElement()
        .satisfies(m -> assertThat(m.uri()).isEqualTo(StringMatch.prefix("/reviews/v2")));
    HttpMatch anded = r.routes().get(1).matches().get(0);
    assertThat(anded.uri()).as("the root's uri is ANDed with the delegate's header")
        .isEqualTo(StringMatch.prefix("/reviews"));
    assertThat(anded.headers()).containsEntry("end-user", StringMatch.exact("jason"));
    assertThat(anded.name()).isEqualTo("jason");
    assertThat(r.routes().get(2).matches()).as("a delegate catch-all takes the root's match")
        .containsExactly(uri(StringMatch.prefix("/reviews")));
    assertThat(r.routes()).allSatisfy(x -> assertThat(x.delegate()).isNull());
  }

  @Test
  void aDelegateRuleMatchingOutsideTheRootIsDroppedWithANote() {
    HttpRoute rule = rootRule("", List.of(uri(StringMatch.prefix("/reviews"))), null, null);
    Delegation.Result r = flatten(root(rule), delegate(
        to("ratings", List.of(uri(StringMatch.prefix("/ratings"))), V2),
        to("ok", List.of(uri(StringMatch.exact("/reviews/1"))), V1)));
    assertThat(r.routes()).extracting(HttpRoute::name).containsExactly("ok");
    assertThat(r.notes()).containsExactly(new Delegation.Note("spec.http[0].match",
        "VirtualService shop/reviews spec.http[0] matches outside this rule's match; that rule is ignored"));
  }

  @Test
  void eachDelegateMatchPairsWithEveryRootMatchItFits() {
    HttpRoute rule = rootRule("", List.of(uri(StringMatch.prefix("/a")), uri(StringMatch.prefix("/a/b"))), null,
        null);
    Delegation.Result r = flatten(root(rule), delegate(to("", List.of(uri(StringMatch.prefix("/a/b/c"))), V1),
        to("", List.of(uri(StringMatch.prefix("/a/x")), uri(StringMatch.prefix("/z"))), V2)));
    assertThat(r.routes().get(0).matches()).hasSize(2);
    assertThat(r.routes()).as("one delegate match outside every root match drops the whole rule").hasSize(1);
  }

  @Test
  void onlyLiteralNarrowingNests() {
    assertThat(Delegation.conflicts(StringMatch.prefix("/a"), StringMatch.prefix("/a/b"))).isFalse();
    assertThat(Delegation.conflicts(StringMatch.prefix("/a"), StringMatch.exact("/a/b"))).isFalse();
    assertThat(Delegation.conflicts(StringMatch.exact("/a"), StringMatch.exact("/a"))).isFalse();
    assertThat(Delegation.conflicts(null, StringMatch.regex(".*"))).as("root sets nothing").isFalse();
    assertThat(Delegation.conflicts(StringMatch.prefix("/a/b"), StringMatch.prefix("/a"))).isTrue();
    assertThat(Delegation.conflicts(StringMatch.exact("/a"), StringMatch.prefix("/a"))).isTrue();
    assertThat(Delegation.conflicts(StringMatch.exact("/a"), StringMatch.exact("/b"))).isTrue();
    assertThat(Delegation.conflicts(StringMatch.prefix("/a"), StringMatch.regex("/a.*"))).isTrue();
    assertThat(Delegation.conflicts(StringMatch.regex("/a.*"), StringMatch.prefix("/a"))).isTrue();

    HttpMatch root = new HttpMatch("", StringMatch.prefix("/a"), Map.of(), null, null, null, null, null, false, 80,
        Map.of("app", "x"), "", List.of("default/gw"));
    HttpMatch caseless = new HttpMatch("", null, Map.of(), null, null, null, null, null, true, 0, null, null, null);
    HttpMatch otherPort = new HttpMatch("", null, Map.of(), null, null, null, null, null, false, 81, null, null, null);
    HttpMatch otherLabel = new HttpMatch("", null, Map.of(), null, null, null, null, null, false, 0,
        Map.of("app", "y"), null, null);
    HttpMatch otherGateway = new HttpMatch("", null, Map.of(), null, null, null, null, null, false, 0, null, null,
        List.of("default/other"));
    HttpMatch fits = new HttpMatch("", StringMatch.prefix("/a/1"), Map.of(), null, null, null, null, null, false, 80,
        Map.of("version", "v1"), null, List.of("default/gw"));
    assertThat(Delegation.conflicts(root, caseless)).isTrue();
    assertThat(Delegation.conflicts(root, otherPort)).isTrue();
    assertThat(Delegation.conflicts(root, otherLabel)).isTrue();
    assertThat(Delegation.conflicts(root, otherGateway)).isTrue();
    assertThat(Delegation.conflicts(root, fits)).isFalse();
  }

  @Test
  void theDelegateActionsWinAndUnsetOnesComeFromTheRoot() {
    RouteActions.Headers viaRoot = new RouteActions.Headers(
        new RouteActions.HeaderOps(Map.of("x-via", "root"), Map.of(), List.of()), RouteActions.HeaderOps.NONE);
    HttpRoute rule = rootRule("", List.of(), Duration.ofSeconds(5), viaRoot);
    HttpRoute own = new HttpRoute("own", List.of(), List.of(new RouteDestination(V2, 100, null)),
        Duration.ofSeconds(1), null, null, null, null, null, null, null, null, null);
    Delegation.Result r = flatten(root(rule), delegate(own, to("plain", List.of(), V1)));
    assertThat(r.routes().get(0).timeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(r.routes().get(1).timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(r.routes()).allSatisfy(x -> assertThat(x.headers()).isEqualTo(viaRoot));
    assertThat(r.routes().get(1).route()).extracting(RouteDestination::destination).containsExactly(V1);
  }

  @Test
  void aMissingDelegateOrOneWithHostsRoutesNothing() {
    HttpRoute rule = rootRule("", List.of(uri(StringMatch.prefix("/reviews"))), null, null);
    HttpRoute rest = to("rest", List.of(), V1);
    Delegation.Result missing = flatten(root(rule, rest));
    assertThat(missing.routes()).extracting(HttpRoute::name).containsExactly("rest");
    assertThat(missing.notes()).containsExactly(new Delegation.Note("spec.http[0].delegate",
        "VirtualService shop/reviews not found; this rule routes nothing"));

    VirtualService withHosts = new VirtualService(REVIEWS, List.of("reviews.shop.svc.cluster.local"), List.of(),
        List.of(to("", List.of(), V2)));
    Delegation.Result notDelegate = flatten(root(rule, rest), withHosts);
    assertThat(notDelegate.routes()).extracting(HttpRoute::name).containsExactly("rest");
    assertThat(notDelegate.notes()).singleElement()
        .satisfies(n -> assertThat(n.message()).contains("has hosts, so it is not a delegate"));
  }

  @Test
  void aDelegateIsNeverBoundToTheMeshOnItsOwn() {
    VirtualService d = delegate(to("", List.of(), V1));
    assertThat(d.isDelegate()).isTrue();
    assertThat(d.appliesToMesh()).isFalse();
  }
}
