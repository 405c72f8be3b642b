package tech.openrtc.operator.sim;

import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.CrudDispatcher;
import io.fabric8.mockwebserver.crud.Value;
import java.lang.reflect.Field;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The mock API server's object store with an index by object name.
 *
 * <p>fabric8's CRUD dispatcher keeps every object in one map and finds the one a request names by
 * matching the request against every entry: a GET or PATCH of one pod costs O(all objects). At
 * 1,000 AgentDeployments (tens of thousands of pods, Events, Secrets, ConfigMaps, revisions) its
 * single event-loop thread spent all its time there, and the simulated API server, not the
 * operator, set the pace. A real API server reads one object by key from etcd. This store keeps
 * the same map (insertion order, the same synchronization) plus the keys by their {@code name}
 * attribute, so a lookup of a named object looks only at the objects of that name. Lists,
 * watches and deletes still scan, as before.
 */
final class NameIndexedStore {

  /** The attribute fabric8's KubernetesAttributesExtractor stores an object's name under. */
  static final String NAME = "name";

  private final Indexed map = new Indexed();
  /** What the dispatcher uses, wrapped as its own map is; its mutex is the view itself. */
  private final Map<AttributeSet, String> view = Collections.synchronizedMap(map);

  private NameIndexedStore() {}

  /** Puts a new, empty store into the dispatcher in place of its map (empty at that point). */
  static NameIndexedStore installIn(CrudDispatcher dispatcher) {
    NameIndexedStore store = new NameIndexedStore();
    try {
      // The field is final and has no setter; the dispatcher only ever reads it.
      Field field = CrudDispatcher.class.getDeclaredField("map");
      field.setAccessible(true);
      if (!((Map<?, ?>) field.get(dispatcher)).isEmpty()) {
        throw new IllegalStateException("the dispatcher already holds objects");
      }
      field.set(dispatcher, store.view);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot index the mock API server's store", e);
    }
    return store;
  }

  /**
   * The entries whose key matches {@code query}, in the map's order, if the query names one
   * object; null if it names none (or a pattern): then only a scan answers it.
   */
  List<Map.Entry<AttributeSet, String>> named(AttributeSet query) {
    Attribute name = query.getAttribute(NAME);
    if (name == null || name.getValues().size() != 1 || "*".equals(name.getValues().get(0).toString())) {
      return null;
    }
    synchronized (view) {
      List<Map.Entry<AttributeSet, String>> found = new ArrayList<>();
      for (AttributeSet key : map.byName.getOrDefault(name.getValues(), Set.of())) {
        if (key.matches(query)) {
          found.add(new AbstractMap.SimpleImmutableEntry<>(key, map.get(key)));
        }
      }
      return found;
    }
  }

  /** The map, keeping its keys by name as they come and go (the dispatcher only puts, removes and clears). */
  private static final class Indexed extends LinkedHashMap<AttributeSet, String> {

    private final Map<List<Value>, Set<AttributeSet>> byName = new HashMap<>();

    @Override
    public String put(AttributeSet key, String value) {
      String old = super.put(key, value);
      List<Value> name = nameOf(key);
      if (name != null) {
        byName.computeIfAbsent(name, n -> new LinkedHashSet<>()).add(key);
      }
      return old;
    }

    @Override
    public String remove(Object key) {
      boolean present = containsKey(key);
      String old = super.remove(key);
      if (present && key instanceof AttributeSet set) {
        List<Value> name = nameOf(set);
        Set<AttributeSet> keys = name == null ? null : byName.get(name);
        if (keys != null) {
          keys.remove(set);
          if (keys.isEmpty()) {
            byName.remove(name);
          }
        }
      }
      return old;
    }

    @Override
    public void clear() {
      super.clear();
      byName.clear();
    }

    private static List<Value> nameOf(AttributeSet key) {
      Attribute name = key.getAttribute(NAME);
      return name == null ? null : name.getValues();
    }
  }
}
