package tech.openrtc.operator.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.ValueInstantiator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads {@code spec} leniently: a value of the wrong JSON type ({@code "replicas": "three"},
 * {@code "template": 5}, {@code "containers": {}}, an enum value that does not exist) becomes null
 * and its path is recorded on the spec ({@link AgentDeploymentSpec#wrongTypes()}), which
 * SpecValidator reports as InvalidSpec. A real API server rejects such a spec by the CRD's schema;
 * one that does not enforce it (the mock server, a schema edited by hand) must not get an exception
 * out of the informer's watch, which stops the informer and with it the operator (JOSDK exits the
 * JVM), nor a null that reads as "absent, use the default".
 *
 * <p>Bound on {@link AgentDeployment#setSpec}, so every ObjectMapper reads specs this way: the
 * operator's informer, JOSDK's copies, the CLI's client. Values Jackson coerces without complaint
 * ({@code "replicas": "3"}, {@code "version": 5}) are kept as coerced.
 */
public final class LenientSpecDeserializer extends JsonDeserializer<AgentDeploymentSpec> {

  private static final Object PROBLEMS = LenientSpecDeserializer.class.getName() + ".problems";
  private static final Handler HANDLER = new Handler();

  /** Where the spec object starts in the document, and what was wrong under it. */
  private record Problems(String base, List<String> found) {}

  @Override
  public AgentDeploymentSpec deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    ObjectReader reader = reader(p.getCodec());
    if (reader == null) {
      return ctxt.readValue(p, AgentDeploymentSpec.class);
    }
    Problems problems = new Problems(pointer(p), new ArrayList<>());
    AgentDeploymentSpec spec = reader.withHandler(HANDLER).withAttribute(PROBLEMS, problems).readValue(p);
    if (spec != null && !problems.found().isEmpty()) {
      spec.setWrongTypes(problems.found());
    }
    return spec;
  }

  private static ObjectReader reader(ObjectCodec codec) {
    if (codec instanceof ObjectMapper mapper) {
      return mapper.readerFor(AgentDeploymentSpec.class);
    }
    if (codec instanceof ObjectReader reader) {
      return reader.forType(AgentDeploymentSpec.class);
    }
    return null;
  }

  /** The JSON pointer of the value the parser is at, e.g. {@code /spec/template} (its start token counts as the value). */
  private static String pointer(JsonParser p) {
    JsonStreamContext context = p.getParsingContext();
    JsonToken t = p.currentToken();
    if ((t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) && context.getParent() != null) {
      context = context.getParent();
    }
    return context.pathAsPointer().toString();
  }

  /** Turns every value of the wrong type into null, recording "spec.<path>: expected <type>". */
  private static final class Handler extends DeserializationProblemHandler {

    @Override
    public Object handleWeirdStringValue(DeserializationContext ctxt, Class<?> targetType, String value,
        String failureMsg) throws IOException {
      return record(ctxt, targetType, "\"" + abbreviate(value) + "\"");
    }

    @Override
    public Object handleWeirdNumberValue(DeserializationContext ctxt, Class<?> targetType, Number value,
        String failureMsg) throws IOException {
      return record(ctxt, targetType, String.valueOf(value));
    }

    @Override
    public Object handleWeirdNativeValue(DeserializationContext ctxt, JavaType targetType, Object value,
        JsonParser p) throws IOException {
      return record(ctxt, targetType.getRawClass(), "a value of another type");
    }

    @Override
    public Object handleUnexpectedToken(DeserializationContext ctxt, JavaType targetType, JsonToken t,
        JsonParser p, String failureMsg) throws IOException {
      return record(ctxt, targetType.getRawClass(), describe(t));
    }

    @Override
    public Object handleMissingInstantiator(DeserializationContext ctxt, Class<?> instClass,
        ValueInstantiator valueInsts, JsonParser p, String msg) throws IOException {
      return record(ctxt, instClass, describe(p.currentToken()));
    }

    /** Records the problem, skips the value (an object or array whole) and returns null for it. */
    private static Object record(DeserializationContext ctxt, Class<?> expected, String got) throws IOException {
      Object attribute = ctxt.getAttribute(PROBLEMS);
      if (!(attribute instanceof Problems problems)) {
        return NOT_HANDLED;
      }
      JsonParser p = ctxt.getParser();
      String pointer = pointer(p);
      String relative = pointer.startsWith(problems.base()) ? pointer.substring(problems.base().length()) : pointer;
      problems.found().add("spec" + dotted(relative) + ": expected " + expectation(expected) + ", got " + got);
      p.skipChildren();
      return null;
    }
  }

  /** {@code /template/spec/containers/0/name} as {@code .template.spec.containers[0].name}. */
  static String dotted(String pointer) {
    StringBuilder out = new StringBuilder();
    for (String segment : pointer.split("/")) {
      if (segment.isEmpty()) {
        continue;
      }
      String name = segment.replace("~1", "/").replace("~0", "~");
      out.append(name.chars().allMatch(Character::isDigit) ? "[" + name + "]" : "." + name);
    }
    return out.toString();
  }

  private static String expectation(Class<?> type) {
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "an integer";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "a boolean";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type.isEnum()) {
      return "one of " + Arrays.toString(type.getEnumConstants());
    }
    if (List.class.isAssignableFrom(type) || type.isArray()) {
      return "an array";
    }
    if (java.util.Map.class.isAssignableFrom(type)) {
      return "an object";
    }
    return "an object (" + type.getSimpleName() + ")";
  }

  private static String describe(JsonToken t) {
    if (t == null) {
      return "nothing";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.toString();
    };
  }

  private static String abbreviate(String value) {
    return value.length() <= 40 ? value : value.substring(0, 40) + "...";
  }
}
