package io.bosun.model;

import java.util.List;
import java.util.Map;

/**
 * An AuthorizationPolicy: requests to the workloads it selects (its namespace's, or the mesh's in
 * the root namespace, when {@code selector} is null) that match one of {@code rules} are allowed,
 * denied, audited, or sent to an external authorizer ({@code CUSTOM}, {@code provider}). A rule
 * matches when each of its parts does: any {@code from} source, any {@code to} operation, every
 * {@code when} condition; within a source or operation, every field that is set. No rules at all
 * matches nothing.
 */
public record AuthorizationPolicy(ResourceRef ref, Map<String, String> selector, Action action, String provider,
                                  List<Rule> rules) implements MeshResource {
  public AuthorizationPolicy {
    selector = selector == null ? null : Map.copyOf(selector);
    action = action == null ? Action.ALLOW : action;
    provider = provider == null ? "" : provider;
    rules = rules == null ? List.of() : List.copyOf(rules);
  }

  /** What a match does. */
  public enum Action {
    ALLOW, DENY, AUDIT, CUSTOM
  }

  public boolean selects(Map<String, String> labels) {
    return selector == null || labels.entrySet().containsAll(selector.entrySet());
  }

  /** One rule; an empty list is an unconstrained part. */
  public record Rule(List<Source> from, List<Operation> to, List<Condition> when) {
    public Rule {
      from = from == null ? List.of() : List.copyOf(from);
      to = to == null ? List.of() : List.copyOf(to);
      when = when == null ? List.of() : List.copyOf(when);
    }
  }

  /**
   * Who sends the request. Principals are SPIFFE ids without {@code spiffe://}; request principals
   * {@code <issuer>/<subject>} of a validated JWT; both may start or end with {@code *}.
   */
  public record Source(List<String> principals, List<String> notPrincipals, List<String> requestPrincipals,
                       List<String> notRequestPrincipals, List<String> namespaces, List<String> notNamespaces,
                       List<String> ipBlocks, List<String> notIpBlocks, List<String> remoteIpBlocks,
                       List<String> notRemoteIpBlocks) {
    public Source {
      principals = copy(principals);
      notPrincipals = copy(notPrincipals);
      requestPrincipals = copy(requestPrincipals);
      notRequestPrincipals = copy(notRequestPrincipals);
      namespaces = copy(namespaces);
      notNamespaces = copy(notNamespaces);
      ipBlocks = copy(ipBlocks);
      notIpBlocks = copy(notIpBlocks);
      remoteIpBlocks = copy(remoteIpBlocks);
      notRemoteIpBlocks = copy(notRemoteIpBlocks);
    }
  }

  /** What the request does; {@code paths} may be Istio path templates ({@code {*}}, {@code {**}}). */
  public record Operation(List<String> hosts, List<String> notHosts, List<String> ports, List<String> notPorts,
                          List<String> methods, List<String> notMethods, List<String> paths,
                          List<String> notPaths) {
    public Operation {
      hosts = copy(hosts);
      notHosts = copy(notHosts);
      ports = copy(ports);
      notPorts = copy(notPorts);
      methods = copy(methods);
      notMethods = copy(notMethods);
      paths = copy(paths);
      notPaths = copy(notPaths);
    }

    /** Whether it names something only an HTTP request has. */
    public boolean httpOnly() {
      return !hosts.isEmpty() || !notHosts.isEmpty() || !methods.isEmpty() || !notMethods.isEmpty()
          || !paths.isEmpty() || !notPaths.isEmpty();
    }
  }

  /**
   * A {@code when} condition: {@code key} (e.g. {@code request.headers[x-user]}) is one of {@code values}, none of
   * {@code notValues}.
   */
  public record Condition(String key, List<String> values, List<String> notValues) {
    public Condition {
      values = copy(values);
      notValues = copy(notValues);
    }
  }

  private static List<String> copy(List<String> l) {
    return l == null ? List.of() : List.copyOf(l);
  }
}
