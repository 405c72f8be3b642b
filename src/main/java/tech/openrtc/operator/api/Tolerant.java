package tech.openrtc.operator.api;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An API object that tolerates fields this operator version does not know, as Kubernetes clients
 * do: a newer CRD applied before the operator is upgraded (GitOps syncs CRDs first) must not stop
 * the informer for every deployment. Unknown fields are dropped as they are read, and never
 * written back; {@link #unknownPaths} names them (on the object as read, not on a copy made by
 * serializing it) for a warning.
 */
public abstract class Tolerant {

  @JsonIgnore
  private final Map<String, Object> unknownFields = new LinkedHashMap<>();

  @JsonAnySetter
  void putUnknownField(String name, Object value) {
    unknownFields.put(name, value);
  }

  /** The JSON paths of every unknown field under {@code root}, e.g. {@code spec.drain.activePollSeconds}. */
  public static List<String> unknownPaths(String prefix, Tolerant root) {
    List<String> paths = new ArrayList<>();
    collect(prefix, root, paths);
    return paths;
  }

  private static void collect(String prefix, Tolerant object, List<String> paths) {
    if (object == null) {
      return;
    }
    object.unknownFields.keySet().forEach(name -> paths.add(prefix + "." + name));
    for (Class<?> c = object.getClass(); c != Tolerant.class; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers()) || !Tolerant.class.isAssignableFrom(field.getType())) {
          continue;
        }
        try {
          field.setAccessible(true);
          collect(prefix + "." + field.getName(), (Tolerant) field.get(object), paths);
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }
}
