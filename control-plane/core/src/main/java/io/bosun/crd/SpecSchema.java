package io.bosun.crd;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.istio.api.api.security.v1beta1.JWTRule;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.JarURLConnection;
import java.net.URL;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * A structural OpenAPI v3 schema derived from the fabric8 Istio model classes by reflection:
 * the same classes Bosun parses with, so the CRD and the parser cannot disagree on a field.
 */
final class SpecSchema {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Fields Istio also accepts under their proto name: the alias is served with the same schema. */
  private static final Map<Class<?>, Map<String, String>> ALIASES = Map.of(JWTRule.class, Map.of("jwksUri",
      "jwks_uri"));

  private SpecSchema() {
  }

  static Map<String, Object> of(Class<?> type) {
    return schema(type, new HashSet<>());
  }

  private static Map<String, Object> schema(Type type, Set<Class<?>> path) {
    if (type instanceof ParameterizedType p) {
      Class<?> raw = (Class<?>) p.getRawType();
      Type[] args = p.getActualTypeArguments();
      if (List.class.isAssignableFrom(raw)) {
        return node("type", "array", "items", schema(args[0], path));
      }
      if (Map.class.isAssignableFrom(raw)) {
        if (args[1] == Object.class) {
          return node("type", "object", "x-kubernetes-preserve-unknown-fields", true);
        }
        return node("type", "object", "additionalProperties", schema(args[1], path));
      }
      return schema(raw, path);
    }
    Class<?> c = (Class<?>) type;
    if (c == String.class) {
      return node("type", "string");
    }
    if (c == Integer.class || c == int.class || c == Long.class || c == long.class) {
      return node("type", "integer");
    }
    if (c == Boolean.class || c == boolean.class) {
      return node("type", "boolean");
    }
    if (c == Double.class || c == double.class || c == Float.class || c == float.class) {
      return node("type", "number");
    }
    if (c == IntOrString.class) {
      return node("x-kubernetes-int-or-string", true);
    }
    if (c.isEnum()) {
      return node("type", "string", "enum", enumValues(c));
    }
    if (c == Object.class || !c.getName().startsWith("io.fabric8.") || path.contains(c)) {
      // free-form, or a type that contains itself: accept any object below this point
      return node("type", "object", "x-kubernetes-preserve-unknown-fields", true);
    }
    Set<Class<?>> deeper = new HashSet<>(path);
    deeper.add(c);
    Map<String, Object> properties = new TreeMap<>();
    addProperties(c, deeper, properties);
    return node("type", "object", "properties", properties);
  }

  private static void addProperties(Class<?> c, Set<Class<?>> path, Map<String, Object> properties) {
    for (Field f : c.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) || f.getName().equals("additionalProperties")) {
        continue;
      }
      if (f.isAnnotationPresent(JsonUnwrapped.class)) {
        // a oneof: every alternative's field sits directly in this object
        for (Class<?> impl : implementations(f.getType())) {
          addProperties(impl, path, properties);
        }
        continue;
      }
      JsonProperty p = f.getAnnotation(JsonProperty.class);
      String name = p != null ? p.value() : f.getName();
      properties.put(name, schema(f.getGenericType(), path));
      String alias = ALIASES.getOrDefault(c, Map.of()).get(name);
      if (alias != null) {
        properties.put(alias, schema(f.getGenericType(), path));
      }
    }
  }

  private static List<String> enumValues(Class<?> e) {
    List<String> values = new ArrayList<>();
    for (Object constant : e.getEnumConstants()) {
      try {
        values.add(JSON.readValue(JSON.writeValueAsString(constant), String.class));
      } catch (IOException ex) {
        values.add(((Enum<?>) constant).name());
      }
    }
    return values;
  }

  /** Classes of the interface's package implementing it (the oneof alternatives), by name. */
  static List<Class<?>> implementations(Class<?> iface) {
    List<Class<?>> out = new ArrayList<>();
    String pkg = iface.getPackageName().replace('.', '/') + "/";
    try {
      URL url = iface.getResource(iface.getSimpleName() + ".class");
      if (url == null || !(url.openConnection() instanceof JarURLConnection jar)) {
        throw new IllegalStateException("cannot scan for implementations of " + iface.getName() + " at " + url);
      }
      try (JarFile file = jar.getJarFile()) {
        Enumeration<JarEntry> entries = file.entries();
        while (entries.hasMoreElements()) {
          String name = entries.nextElement().getName();
          if (name.startsWith(pkg) && name.endsWith(".class") && !name.substring(pkg.length()).contains("/")) {
            Class<?> candidate = Class.forName(name.replace('/', '.').substring(0, name.length() - 6), false,
                iface.getClassLoader());
            if (!candidate.isInterface() && iface.isAssignableFrom(candidate)) {
              out.add(candidate);
            }
          }
        }
      }
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalStateException("cannot scan for implementations of " + iface.getName(), e);
    }
    out.sort(Comparator.comparing(Class::getName));
    return out;
  }

  private static Map<String, Object> node(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
