package io.bosun.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/** What the harness changed, and so what every proxy must end up with. */
final class Expected {
  final MeshGen mesh;
  final int[] replicas;
  final int[] weights;

  Expected(MeshGen mesh) {
    this.mesh = mesh;
    this.replicas = new int[mesh.services()];
    this.weights = new int[mesh.services()];
    Arrays.fill(replicas, mesh.replicas());
    Arrays.fill(weights, 90);
  }

  void scale(MeshChanges to, int s, int count) throws IOException {
    to.scale(s, count);
    replicas[s] = count;
  }

  void weight(MeshChanges to, int s, int v1) throws IOException {
    to.weight(s, v1);
    weights[s] = v1;
  }

  /**
   * Waits until every proxy holds every service's endpoints as last scaled and every route
   * split as last set; returns what did not converge.
   */
  List<String> converged(Fleet fleet) throws InterruptedException {
    try {
      fleet.awaitAll(this::matches, Scenarios.CONVERGE);
      return List.of();
    } catch (TimeoutException | IllegalStateException e) {
      List<String> failures = new ArrayList<>();
      for (SimProxy p : fleet.proxies) {
        String why = mismatch(p);
        if (why != null && failures.size() < 5) {
          failures.add(p.id() + ": " + why);
        }
      }
      failures.add(0, e.getMessage());
      return failures;
    }
  }

  boolean matches(SimProxy p) {
    return mismatch(p) == null;
  }

  /** The first difference from what is expected, or null. */
  String mismatch(SimProxy p) {
    if (!p.complete()) {
      return "not complete";
    }
    Map<String, Integer> endpoints = p.endpoints();
    Map<String, Integer> splits = p.splits("80");
    if (splits == null) {
      return "no route table 80";
    }
    for (int s = 0; s < mesh.services(); s++) {
      String cluster = "outbound|80||" + mesh.host(s);
      if (!mesh.visible(s, p.namespace())) {
        if (endpoints.containsKey(cluster)) {
          return cluster + " is not imported by its Sidecar but configured";
        }
        continue;
      }
      Integer n = endpoints.get(cluster);
      if (n == null || n != replicas[s]) {
        return cluster + " has " + n + " endpoints, expected " + replicas[s];
      }
      Integer v1 = splits.get(mesh.host(s));
      if (v1 == null || v1 != weights[s]) {
        return mesh.host(s) + " sends " + v1 + "% to v1, expected " + weights[s];
      }
    }
    return null;
  }
}
