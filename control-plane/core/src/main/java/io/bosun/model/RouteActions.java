package io.bosun.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What an HTTP route does besides choosing destinations: Istio's per-route actions. */
public final class RouteActions {
  private RouteActions() {
  }

  /** retries; {@code attempts == 0} disables retrying. */
  public record Retry(int attempts, Duration perTryTimeout, String retryOn) {
  }

  /** redirect; a null or zero field keeps the request's value. */
  public record Redirect(String uri, String authority, String scheme, int port, int code) {
  }

  /** rewrite: {@code uri} replaces the matched prefix; or {@code regex}/{@code substitution} rewrites the path. */
  public record Rewrite(String uri, String authority, String regex, String substitution) {
  }

  public record DirectResponse(int status, String body) {
  }

  /** fault injection; a null delay or a zero abort status means that part is off; percentages 0-100. */
  public record Fault(Duration delay, double delayPercent, int abortStatus, double abortPercent) {
  }

  /** a copy of the traffic sent to {@code destination} for {@code percent} of requests. */
  public record Mirror(Destination destination, double percent) {
  }

  /** corsPolicy; origins as string matches. */
  public record Cors(List<StringMatch> allowOrigins, List<String> allowMethods, List<String> allowHeaders,
                     List<String> exposeHeaders, Duration maxAge, Boolean allowCredentials) {
    public Cors {
      allowOrigins = List.copyOf(allowOrigins);
      allowMethods = List.copyOf(allowMethods);
      allowHeaders = List.copyOf(allowHeaders);
      exposeHeaders = List.copyOf(exposeHeaders);
    }
  }

  /** headers set (overwrite), add (append) and remove. */
  public record HeaderOps(Map<String, String> set, Map<String, String> add, List<String> remove) {
    public static final HeaderOps NONE = new HeaderOps(Map.of(), Map.of(), List.of());

    public HeaderOps {
      set = Map.copyOf(set);
      add = Map.copyOf(add);
      remove = List.copyOf(remove);
    }

    public boolean isEmpty() {
      return set.isEmpty() && add.isEmpty() && remove.isEmpty();
    }
  }

  /** request and response header operations. */
  public record Headers(HeaderOps request, HeaderOps response) {
    public static final Headers NONE = new Headers(HeaderOps.NONE, HeaderOps.NONE);
  }
}
