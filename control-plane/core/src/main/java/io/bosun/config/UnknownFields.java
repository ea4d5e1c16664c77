package io.bosun.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.fabric8.istio.api.api.networking.v1alpha3.ConnectionPoolSettingsHTTPSettings;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Finds fields the typed fabric8 model did not recognise (they land in
 * {@code additionalProperties}): a misspelt field would otherwise be silently ignored, which is
 * the most common way an Istio config "does nothing".
 */
final class UnknownFields {
  /** Istio fields newer than the fabric8 model: the converters read (and check) them from additionalProperties. */
  private static final Map<Class<?>, Set<String>> NEWER = Map.of(
      ConnectionPoolSettingsHTTPSettings.class, Set.of(TrafficPolicyChecks.HTTP2_KEEP_ALIVE));

  private UnknownFields() {
  }

  static void check(Object value, String path, Problems problems) {
    if (value == null) {
      return;
    }
    if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        check(list.get(i), path + "[" + i + "]", problems);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      new TreeMap<>(map).forEach((k, v) -> check(v, path + "." + k, problems));
      return;
    }
    if (!value.getClass().getName().startsWith("io.fabric8.istio.")) {
      return;
    }
    for (Class<?> c = value.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers())) {
          continue;
        }
        Object fieldValue = read(f, value);
        if (f.getName().equals("additionalProperties") && fieldValue instanceof Map<?, ?> extra) {
          Set<String> newer = NEWER.getOrDefault(value.getClass(), Set.of());
          new TreeMap<>(extra).keySet().stream().filter(k -> !newer.contains(String.valueOf(k)))
              .forEach(k -> problems.error(path + "." + k, "unknown field"));
        } else if (f.isAnnotationPresent(JsonUnwrapped.class)) {
          check(fieldValue, path, problems);
        } else {
          JsonProperty p = f.getAnnotation(JsonProperty.class);
          check(fieldValue, path + "." + (p != null ? p.value() : f.getName()), problems);
        }
      }
    }
  }

  private static Object read(Field f, Object target) {
    try {
      f.setAccessible(true);
      return f.get(target);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
