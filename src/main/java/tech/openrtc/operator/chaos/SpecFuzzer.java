package tech.openrtc.operator.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Mutated AgentDeployment specs, for the spec-fuzzing chaos run: values of the wrong JSON type,
 * out of range, unicode and huge strings, missing and null fields and nested objects, pod
 * templates the API server would refuse pods of, and a few valid changes. Pure and seeded: the
 * same seed and base give the same mutations; it calls no cluster.
 *
 * <p>Each mutation says what the operator must make of it, derived from DESIGN.md's API rules (and
 * what an API server refuses in a pod): {@link Expect#INVALID} (InvalidSpec naming the field),
 * {@link Expect#VALID}, or {@link Expect#EITHER} where a real API server would refuse the value by
 * the CRD's schema but Jackson reads it as a valid one ({@code "replicas": "3"} is 3, {@code 2.5}
 * is 2): then InvalidSpec must still name the field if it is set. Valid mutations are chosen not to
 * start a rollout (version, template and agentName are left alone), so they stay cheap to undo.
 */
public final class SpecFuzzer {

  /** What the operator must make of a mutated spec. */
  public enum Expect { INVALID, EITHER, VALID }

  /**
   * One mutated spec.
   *
   * @param path the field mutated and that InvalidSpec must name, e.g. {@code spec.drain.pollSeconds}
   * @param kind one of {@link #KINDS}
   * @param spec the whole mutated spec (a copy; the base is not changed)
   * @param description what was done, e.g. {@code spec.replicas = "three"}
   */
  public record Mutation(String path, String kind, ObjectNode spec, Expect expect, String description) {

    /** The last segment of the path, without an index: {@code containerPort}, {@code replicas}. */
    public String field() {
      String last = path.substring(path.lastIndexOf('.') + 1);
      int bracket = last.indexOf('[');
      return bracket < 0 ? last : last.substring(0, bracket);
    }

    @Override
    public String toString() {
      return kind + " " + description + " (expect " + expect + ")";
    }
  }

  public static final String WRONG_TYPE = "wrong-type";
  public static final String OUT_OF_RANGE = "out-of-range";
  public static final String UNICODE_STRING = "unicode-string";
  public static final String HUGE_STRING = "huge-string";
  public static final String MISSING = "missing";
  public static final String NULL = "null";
  public static final String NULL_NESTED = "null-nested";
  public static final String TEMPLATE_REJECTED = "template-rejected";
  public static final String VALID = "valid";
  public static final List<String> KINDS = List.of(WRONG_TYPE, OUT_OF_RANGE, UNICODE_STRING, HUGE_STRING, MISSING,
      NULL, NULL_NESTED, TEMPLATE_REJECTED, VALID);

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final String CONTAINER = "spec.template.spec.containers[0]";

  /** A change to make at a path: a value to set there, or none to remove the field. */
  private record Case(String kind, String path, Function<ObjectNode, JsonNode> value, Expect expect) {
    static Case set(String kind, String path, JsonNode value, Expect expect) {
      return new Case(kind, path, base -> value, expect);
    }
  }

  private final Random random;
  private final List<List<Case>> byKind = new ArrayList<>();
  /** Kinds not produced yet: each comes once, in a seeded order, before kinds are picked at random. */
  private final java.util.Deque<String> firstKinds;

  public SpecFuzzer(long seed) {
    this.random = new Random(seed);
    for (String kind : KINDS) {
      byKind.add(cases(kind));
    }
    List<String> kinds = new ArrayList<>(KINDS);
    Collections.shuffle(kinds, random);
    this.firstKinds = new java.util.ArrayDeque<>(kinds);
  }

  /**
   * The next mutation of {@code base} (a deployment's spec as JSON): the first {@code KINDS.size()}
   * are one of each kind, the rest of a kind picked at random.
   */
  public Mutation next(ObjectNode base) {
    String kind = firstKinds.isEmpty() ? KINDS.get(random.nextInt(KINDS.size())) : firstKinds.poll();
    return next(base, kind);
  }

  /** The next mutation of {@code base} of the given kind. */
  public Mutation next(ObjectNode base, String kind) {
    int k = KINDS.indexOf(kind);
    if (k < 0) {
      throw new IllegalArgumentException("unknown kind " + kind + "; one of " + KINDS);
    }
    List<Case> cases = byKind.get(k);
    Case c = cases.get(random.nextInt(cases.size()));
    ObjectNode spec = base.deepCopy();
    JsonNode value = c.value().apply(base);
    value = value == null ? null : value.deepCopy();
    put(spec, c.path(), value);
    String description = c.path() + (value == null ? " removed" : " = " + abbreviate(value.toString()));
    return new Mutation(c.path(), c.kind(), spec, c.expect(), description);
  }

  /** The next {@code count} mutations of {@link #next(ObjectNode)}. */
  public List<Mutation> mutations(ObjectNode base, int count) {
    List<Mutation> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(next(base));
    }
    return out;
  }

  private List<Case> cases(String kind) {
    List<Case> cases = new ArrayList<>();
    switch (kind) {
      case WRONG_TYPE -> {
        for (String path : INTEGERS) {
          wrongType(cases, path, Expect.INVALID, text("three"), JSON.objectNode(), JSON.arrayNode(), JSON.booleanNode(true));
          wrongType(cases, path, Expect.EITHER, JSON.numberNode(2.5));
        }
        // Strings a coerced number would make a rollout of: only the types nothing coerces.
        for (String path : List.of("spec.version", "spec.agentName", CONTAINER + ".image", CONTAINER + ".name")) {
          wrongType(cases, path, Expect.INVALID, JSON.objectNode(), JSON.arrayNode().add(1));
        }
        wrongType(cases, "spec.drain.inFlight.http.field", Expect.INVALID, JSON.objectNode());
        wrongType(cases, "spec.drain.inFlight.http.field", Expect.EITHER, JSON.numberNode(7));
        for (String path : List.of("spec.paused", "spec.strategy.autoRollback", "spec.disruption.budget")) {
          wrongType(cases, path, Expect.INVALID, text("maybe"), JSON.objectNode());
        }
        for (String path : List.of("spec.drain.trigger", "spec.drain.onTimeout")) {
          wrongType(cases, path, Expect.INVALID, text("Whenever"), JSON.objectNode(), JSON.numberNode(3));
        }
        for (String path : List.of("spec.template", "spec.strategy", "spec.drain", "spec.drain.inFlight",
            "spec.drain.inFlight.http", "spec.credentials", "spec.template.spec")) {
          wrongType(cases, path, Expect.INVALID, JSON.numberNode(5), text("x"), JSON.arrayNode().add(1));
        }
        wrongType(cases, "spec.template.spec.containers", Expect.INVALID, JSON.objectNode(), text("agent"),
            JSON.numberNode(1));
        wrongType(cases, CONTAINER + ".ports", Expect.INVALID, JSON.objectNode(), text("8081"));
        wrongType(cases, CONTAINER + ".ports[0].containerPort", Expect.INVALID, text("http"), JSON.objectNode());
        wrongType(cases, "spec.template.metadata.labels", Expect.INVALID, text("app=x"), JSON.arrayNode());
      }
      case OUT_OF_RANGE -> {
        for (String path : INTEGERS) {
          int min = minimum(path);
          cases.add(Case.set(kind, path, JSON.numberNode(min - 1), Expect.INVALID));
          cases.add(Case.set(kind, path, JSON.numberNode(Integer.MIN_VALUE), Expect.INVALID));
          // Past an int: refused as not an integer the operator can hold.
          cases.add(Case.set(kind, path, JSON.numberNode(new java.math.BigInteger("99999999999999999999")), Expect.INVALID));
        }
        cases.add(Case.set(kind, "spec.drain.inFlight.http.port", JSON.numberNode(65536), Expect.INVALID));
        cases.add(Case.set(kind, "spec.version", text("v".repeat(64)), Expect.INVALID));
        // The boundaries themselves are valid.
        cases.add(Case.set(kind, "spec.drain.timeoutSeconds", JSON.numberNode(Integer.MAX_VALUE), Expect.VALID));
        cases.add(Case.set(kind, "spec.revisionHistoryLimit", JSON.numberNode(0), Expect.VALID));
        cases.add(Case.set(kind, "spec.drain.activePollSeconds", JSON.numberNode(0), Expect.VALID));
        cases.add(Case.set(kind, "spec.credentials.ttlSeconds", JSON.numberNode(60), Expect.VALID));
      }
      case UNICODE_STRING -> {
        for (String s : List.of("v1-\u00fc", "\u7248\u672c", "v1\u200b", "\ud83d\ude00", "v\u0000")) {
          cases.add(Case.set(kind, "spec.version", text(s), Expect.INVALID));
        }
        for (String s : List.of("ag\u00e9nt", "\u0430\u0433\u0435\u043d\u0442", "a\u202eb")) {
          cases.add(Case.set(kind, "spec.agentName", text(s), Expect.INVALID));
        }
        cases.add(Case.set(kind, "spec.template.metadata.labels.app", text("\u00fcn\u00efc\u00f6d\u00e9"), Expect.INVALID));
        cases.add(Case.set(kind, CONTAINER + ".name", text("\u00e4gent"), Expect.INVALID));
        cases.add(Case.set(kind, "spec.drain.inFlight.http.field", text("z\u00e4hlen"), Expect.VALID));
        cases.add(Case.set(kind, "spec.drain.inFlight.http.path", text("/w\u00f6rker"), Expect.VALID));
        // The schema's pattern (^/.*) lets these through; no URL can be made of them.
        cases.add(Case.set(kind, "spec.drain.inFlight.http.path", text("/a b"), Expect.EITHER));
        cases.add(Case.set(kind, "spec.drain.inFlight.http.path", text("/\u0007"), Expect.EITHER));
      }
      case HUGE_STRING -> {
        cases.add(Case.set(kind, "spec.version", text("v".repeat(100_000)), Expect.INVALID));
        cases.add(Case.set(kind, "spec.agentName", text("a".repeat(100_000) + " b"), Expect.INVALID));
        cases.add(Case.set(kind, "spec.template.metadata.labels.app", text("x".repeat(64)), Expect.INVALID));
        cases.add(Case.set(kind, CONTAINER + ".name", text("a".repeat(64)), Expect.INVALID));
        cases.add(Case.set(kind, "spec.drain.inFlight.http.field", text("f".repeat(100_000)), Expect.VALID));
        cases.add(Case.set(kind, "spec.drain.inFlight.http.path", text("/" + "p".repeat(100_000)), Expect.VALID));
      }
      case MISSING, NULL -> {
        Function<String, Case> gone = path -> kind.equals(MISSING)
            ? new Case(kind, path, base -> null, required(path) ? Expect.INVALID : Expect.VALID)
            : Case.set(kind, path, JSON.nullNode(), required(path) ? Expect.INVALID : Expect.VALID);
        for (String path : List.of("spec.version", "spec.template", "spec.template.spec", "spec.template.spec.containers",
            CONTAINER + ".name", CONTAINER + ".image", "spec.replicas", "spec.drain", "spec.drain.pollSeconds",
            "spec.strategy", "spec.paused", "spec.revisionHistoryLimit")) {
          cases.add(gone.apply(path));
        }
      }
      case NULL_NESTED -> {
        cases.add(Case.set(kind, "spec.template.spec", JSON.objectNode(), Expect.INVALID));
        cases.add(Case.set(kind, "spec.template.spec.containers", JSON.arrayNode().addNull(), Expect.INVALID));
        cases.add(Case.set(kind, "spec.livekit", JSON.objectNode(), Expect.INVALID));
        cases.add(Case.set(kind, "spec.livekit", object("url", text("wss://livekit.example.com"), "secretRef",
            JSON.nullNode()), Expect.INVALID));
        cases.add(Case.set(kind, "spec.livekit", object("url", text("wss://livekit.example.com"), "secretRef",
            JSON.objectNode()), Expect.INVALID));
        cases.add(Case.set(kind, "spec.drain.inFlight", object("livekit", JSON.objectNode()), Expect.INVALID));
        cases.add(Case.set(kind, "spec.drain.inFlight", object("http", JSON.objectNode(), "annotation",
            JSON.objectNode()), Expect.INVALID));
        cases.add(Case.set(kind, "spec.drain.inFlight", JSON.nullNode(), Expect.VALID));
        cases.add(Case.set(kind, "spec.drain.inFlight", JSON.objectNode(), Expect.VALID));
        cases.add(Case.set(kind, "spec.drain.inFlight.http", JSON.nullNode(), Expect.VALID));
        cases.add(Case.set(kind, "spec.strategy", JSON.objectNode(), Expect.VALID));
        cases.add(Case.set(kind, "spec.credentials", JSON.objectNode(), Expect.VALID));
        cases.add(Case.set(kind, "spec.disruption", JSON.nullNode(), Expect.VALID));
      }
      case TEMPLATE_REJECTED -> {
        cases.add(Case.set(kind, "spec.template.spec.containers", JSON.arrayNode(), Expect.INVALID));
        cases.add(Case.set(kind, CONTAINER + ".name", text(""), Expect.INVALID));
        cases.add(Case.set(kind, CONTAINER + ".name", text("Agent_1"), Expect.INVALID));
        cases.add(Case.set(kind, CONTAINER + ".image", text(""), Expect.INVALID));
        cases.add(Case.set(kind, CONTAINER + ".image", text(" example/agent:1 "), Expect.INVALID));
        // A second container of the first one's name.
        cases.add(new Case(kind, "spec.template.spec.containers[1]", base -> {
          JsonNode first = base.path("template").path("spec").path("containers").path(0);
          return first.isObject() ? first : object("name", text("agent"), "image", text("example/agent:1"));
        }, Expect.INVALID));
        for (int port : new int[] {0, -1, 65536}) {
          cases.add(Case.set(kind, CONTAINER + ".ports[0].containerPort", JSON.numberNode(port), Expect.INVALID));
        }
        cases.add(Case.set(kind, CONTAINER + ".ports[0].hostPort", JSON.numberNode(70000), Expect.INVALID));
        cases.add(Case.set(kind, "spec.template.metadata.labels", object("bad key!", text("x")), Expect.INVALID));
        cases.add(Case.set(kind, "spec.template.metadata.labels.app", text("a b"), Expect.INVALID));
        cases.add(Case.set(kind, "spec.template.spec.initContainers[0].name", text("agent"), Expect.INVALID));
      }
      case VALID -> {
        cases.add(Case.set(kind, "spec.drain.pollSeconds", JSON.numberNode(2), Expect.VALID));
        cases.add(Case.set(kind, "spec.drain.timeoutSeconds", JSON.numberNode(120), Expect.VALID));
        cases.add(Case.set(kind, "spec.strategy.progressDeadlineSeconds", JSON.numberNode(300), Expect.VALID));
        cases.add(Case.set(kind, "spec.revisionHistoryLimit", JSON.numberNode(5), Expect.VALID));
        cases.add(Case.set(kind, "spec.drain.onTimeout", text("Wait"), Expect.VALID));
        cases.add(Case.set(kind, "spec.strategy.autoPromote", JSON.booleanNode(false), Expect.VALID));
        // A field a newer operator knows (see Tolerant).
        cases.add(Case.set(kind, "spec.canary", object("steps", JSON.numberNode(3)), Expect.VALID));
        cases.add(Case.set(kind, "spec.replicas", JSON.numberNode(3), Expect.VALID));
      }
      default -> throw new IllegalArgumentException(kind);
    }
    return cases;
  }

  /** Integer fields of the spec and their minimum (DESIGN.md "API"; the CRD's @Min). */
  private static final List<String> INTEGERS = List.of("spec.replicas", "spec.revisionHistoryLimit",
      "spec.strategy.minReadySeconds", "spec.strategy.progressDeadlineSeconds", "spec.drain.pollSeconds",
      "spec.drain.activePollSeconds", "spec.drain.timeoutSeconds", "spec.credentials.ttlSeconds",
      "spec.drain.inFlight.http.port");

  private static int minimum(String path) {
    return switch (path) {
      case "spec.strategy.progressDeadlineSeconds", "spec.drain.pollSeconds", "spec.drain.timeoutSeconds",
          "spec.drain.inFlight.http.port" -> 1;
      case "spec.credentials.ttlSeconds" -> 60;
      default -> 0;
    };
  }

  /** Fields whose absence is invalid (the rest have defaults). */
  private static boolean required(String path) {
    return path.equals("spec.version") || path.startsWith("spec.template");
  }

  private static void wrongType(List<Case> cases, String path, Expect expect, JsonNode... values) {
    for (JsonNode value : values) {
      cases.add(Case.set(WRONG_TYPE, path, value, expect));
    }
  }

  private static JsonNode text(String s) {
    return JSON.textNode(s);
  }

  private static ObjectNode object(Object... keysAndValues) {
    ObjectNode o = JSON.objectNode();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      o.set((String) keysAndValues[i], (JsonNode) keysAndValues[i + 1]);
    }
    return o;
  }

  /**
   * Sets (or with a null value removes) the field at {@code path} ({@code spec.a.b[0].c}) in
   * {@code spec}, making the objects and array elements on the way as needed.
   */
  static void put(ObjectNode spec, String path, JsonNode value) {
    List<Object> segments = segments(path);
    JsonNode node = spec;
    for (int i = 0; i < segments.size() - 1; i++) {
      Object segment = segments.get(i);
      boolean nextIsIndex = segments.get(i + 1) instanceof Integer;
      node = child(node, segment, nextIsIndex);
    }
    Object last = segments.get(segments.size() - 1);
    if (last instanceof Integer index) {
      ArrayNode array = (ArrayNode) node;
      if (value == null) {
        if (index < array.size()) {
          array.remove(index);
        }
        return;
      }
      while (array.size() <= index) {
        array.add(JSON.objectNode());
      }
      array.set(index, value);
    } else if (value == null) {
      ((ObjectNode) node).remove((String) last);
    } else {
      ((ObjectNode) node).set((String) last, value);
    }
  }

  private static JsonNode child(JsonNode node, Object segment, boolean array) {
    JsonNode existing;
    if (segment instanceof Integer index) {
      ArrayNode a = (ArrayNode) node;
      while (a.size() <= index) {
        a.add(JSON.objectNode());
      }
      existing = a.get(index);
      if (!(array ? existing.isArray() : existing.isObject())) {
        existing = array ? JSON.arrayNode() : JSON.objectNode();
        a.set(index, existing);
      }
      return existing;
    }
    ObjectNode o = (ObjectNode) node;
    existing = o.get((String) segment);
    if (existing == null || !(array ? existing.isArray() : existing.isObject())) {
      existing = array ? JSON.arrayNode() : JSON.objectNode();
      o.set((String) segment, existing);
    }
    return existing;
  }

  /** {@code spec.a[0].b} as ["a", 0, "b"] (the leading "spec" is the node itself). */
  static List<Object> segments(String path) {
    if (!path.startsWith("spec.")) {
      throw new IllegalArgumentException("not a spec path: " + path);
    }
    List<Object> out = new ArrayList<>();
    for (String part : path.substring("spec.".length()).split("\\.(?![^\\[]*\\])")) {
      int bracket = part.indexOf('[');
      if (bracket < 0) {
        out.add(part);
        continue;
      }
      out.add(part.substring(0, bracket));
      for (String index : part.substring(bracket + 1, part.length() - 1).split("\\]\\[")) {
        out.add(Integer.parseInt(index));
      }
    }
    return out;
  }

  private static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 60) + "... (" + s.length() + " characters)";
  }
}
