package io.bosun.config;

import io.bosun.model.Delegation;
import io.bosun.model.ResourceRef;
import io.bosun.model.VirtualService;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Warnings only the whole configuration can show: a root VirtualService's delegate rules that
 * route nothing (delegate missing or not a delegate) or drop a delegate rule (match outside the
 * root's). They belong to the root, so its status tells the one who can fix the reference.
 */
final class DelegateChecks {
  private DelegateChecks() {
  }

  static Map<ResourceRef, List<ConfigError>> check(Collection<ConfigStore.Entry> entries) {
    List<VirtualService> serving = new ArrayList<>();
    for (ConfigStore.Entry e : entries) {
      if (e.serving() instanceof VirtualService vs) {
        serving.add(vs);
      }
    }
    var lookup = Delegation.lookup(serving);
    Map<ResourceRef, List<ConfigError>> out = new TreeMap<>();
    for (ConfigStore.Entry e : entries) {
      if (e.serving() instanceof VirtualService vs) {
        for (Delegation.Note n : Delegation.flatten(vs, lookup).notes()) {
          out.computeIfAbsent(e.ref(), k -> new ArrayList<>())
              .add(ConfigError.warning(e.source(), e.ref(), n.field(), n.message()));
        }
      }
    }
    return out;
  }
}
