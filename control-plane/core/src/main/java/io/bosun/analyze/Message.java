package io.bosun.analyze;

import io.bosun.model.ResourceRef;
import java.util.Comparator;

/**
 * One finding about one resource.
 *
 * @param resource the resource it is about; null for a file that could not be read at all
 * @param field    the field path in that resource ({@code spec.http[0].route[0].destination.host}), or ""
 * @param source   the file (or "kubernetes") the resource came from, or ""
 */
public record Message(Code code, ResourceRef resource, String field, String text, String source) {
  /** Errors first, then by resource, field and code: the same input always prints the same lines. */
  public static final Comparator<Message> ORDER = Comparator.comparing((Message m) -> m.level().ordinal())
      .thenComparing(m -> m.resource() == null ? "" : m.resource().kind().kindName())
      .thenComparing(m -> m.resource() == null ? "" : m.resource().namespace())
      .thenComparing(m -> m.resource() == null ? "" : m.resource().name())
      .thenComparing(Message::field)
      .thenComparing(m -> m.code().id())
      .thenComparing(Message::text);

  public Message {
    field = field == null ? "" : field;
    source = source == null ? "" : source;
  }

  public Message(Code code, ResourceRef resource, String field, String text) {
    this(code, resource, field, text, "");
  }

  public Level level() {
    return code.level();
  }

  /** The namespace the finding belongs to: the resource's, or a Namespace's own name; "" for none. */
  public String namespace() {
    if (resource == null) {
      return "";
    }
    return resource.kind().clusterScoped() ? resource.name() : resource.namespace();
  }

  /** istioctl's shape: {@code Error [BSN0101] (VirtualService default/reviews) field: text}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(level().label()).append(" [").append(code.id()).append("] ");
    if (resource != null) {
      sb.append('(').append(resource.kind().kindName()).append(' ');
      sb.append(resource.kind().clusterScoped() ? resource.name() : resource.namespace() + "/" + resource.name());
      sb.append(") ");
    } else if (!source.isEmpty()) {
      sb.append('(').append(source).append(") ");
    }
    if (!field.isEmpty()) {
      sb.append(field).append(": ");
    }
    return sb.append(text).toString();
  }
}
