package io.bosun.model;

import java.util.List;
import java.util.Map;

/**
 * One HTTPMatchRequest: all its conditions must hold. Null/empty fields are unset. The
 * proxy-level conditions ({@code port}, {@code sourceLabels}, {@code sourceNamespace},
 * {@code gateways}) decide whether a proxy gets the route at all.
 */
public record HttpMatch(String name, StringMatch uri, Map<String, StringMatch> headers, StringMatch method,
                        StringMatch authority, StringMatch scheme, Map<String, StringMatch> queryParams,
                        Map<String, StringMatch> withoutHeaders, boolean ignoreUriCase, int port,
                        Map<String, String> sourceLabels, String sourceNamespace, List<String> gateways) {
  public HttpMatch {
    headers = headers == null ? Map.of() : Map.copyOf(headers);
    queryParams = queryParams == null ? Map.of() : Map.copyOf(queryParams);
    withoutHeaders = withoutHeaders == null ? Map.of() : Map.copyOf(withoutHeaders);
    sourceLabels = sourceLabels == null ? Map.of() : Map.copyOf(sourceLabels);
    sourceNamespace = sourceNamespace == null ? "" : sourceNamespace;
    gateways = gateways == null ? List.of() : List.copyOf(gateways);
  }

  public HttpMatch(String name, StringMatch uri, Map<String, StringMatch> headers) {
    this(name, uri, headers, null, null, null, null, null, false, 0, null, null, null);
  }
}
