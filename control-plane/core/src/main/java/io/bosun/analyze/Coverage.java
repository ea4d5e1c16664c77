package io.bosun.analyze;

import io.bosun.model.Kind;
import io.bosun.model.ResourceRef;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the input can prove absent. A cluster holds everything, so anything not found does not
 * exist. A few files hold part of a mesh: the rest may live in a cluster they will be applied to,
 * so a file input is taken as the whole truth only for a kind it holds in a namespace (the files
 * hold Services of {@code shop}: a missing {@code x.shop.svc.cluster.local} is real).
 *
 * @param complete true for a cluster (or files declared complete): everything is provable
 * @param covered  {@code Kind/namespace} pairs the input holds at least one object of
 */
public record Coverage(boolean complete, Set<String> covered) {
  public static final Coverage COMPLETE = new Coverage(true, Set.of());

  public Coverage {
    covered = Set.copyOf(covered);
  }

  /** The coverage of a partial input made of these resources. */
  public static Coverage partial(Collection<ResourceRef> refs) {
    Set<String> covered = new TreeSet<>();
    refs.forEach(r -> covered.add(key(r.kind(), r.namespace())));
    return new Coverage(false, covered);
  }

  /** Whether the input holds every object of {@code kind} in {@code namespace}. */
  public boolean covers(Kind kind, String namespace) {
    return complete || covered.contains(key(kind, namespace));
  }

  /** Whether the input holds objects of {@code kind} in any namespace (for what any namespace may define). */
  public boolean coversAny(Kind kind) {
    return complete || covered.stream().anyMatch(k -> k.startsWith(kind.kindName() + "/"));
  }

  private static String key(Kind kind, String namespace) {
    return kind.kindName() + "/" + namespace;
  }
}
