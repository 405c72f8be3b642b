package tech.openrtc.operator.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.chaos.SpecFuzzer.Expect;
import tech.openrtc.operator.chaos.SpecFuzzer.Mutation;
import tech.openrtc.operator.reconcile.SpecValidator;

class SpecFuzzerTest {

  /** The spec of OperatorTestSupport.deployment("fuzz", "v1", 2). */
  static final String BASE = "{\"version\":\"v1\",\"replicas\":2,\"agentName\":\"fuzz\",\"template\":{\"metadata\":"
      + "{\"labels\":{\"app\":\"fuzz\"}},\"spec\":{\"containers\":[{\"name\":\"agent\",\"image\":\"example/agent:1\"}]}},"
      + "\"drain\":{\"pollSeconds\":1,\"timeoutSeconds\":60}}";

  static ObjectNode base() {
    return (ObjectNode) Serialization.unmarshal(BASE, JsonNode.class);
  }

  /** The spec read as the operator reads it, then validated: the operator's verdict, without a cluster. */
  static List<String> verdict(ObjectNode spec) {
    ObjectNode resource = Serialization.jsonMapper().createObjectNode();
    resource.put("apiVersion", AgentDeployment.API_VERSION).put("kind", AgentDeployment.KIND);
    resource.putObject("metadata").put("name", "fuzz").put("namespace", "voice");
    resource.set("spec", spec);
    AgentDeployment d = Serialization.unmarshal(resource.toString(), AgentDeployment.class);
    return SpecValidator.validate(d.getSpec());
  }

  @Test
  void theBaseIsValid() {
    assertThat(verdict(base())).isEmpty();
  }

  @Test
  void sameSeedSameMutationsAnotherSeedOthers() {
    List<String> a = describe(new SpecFuzzer(42).mutations(base(), 100));
    assertThat(describe(new SpecFuzzer(42).mutations(base(), 100))).isEqualTo(a);
    assertThat(describe(new SpecFuzzer(43).mutations(base(), 100))).isNotEqualTo(a);
  }

  private static List<String> describe(List<Mutation> mutations) {
    return mutations.stream().map(m -> m + " " + m.spec()).toList();
  }

  @Test
  void everyKindComesFirstAndTheBaseIsLeftAlone() {
    ObjectNode base = base();
    List<Mutation> mutations = new SpecFuzzer(7).mutations(base, 40);
    assertThat(mutations).hasSize(40);
    assertThat(mutations.subList(0, SpecFuzzer.KINDS.size()).stream().map(Mutation::kind).collect(Collectors.toSet()))
        .containsExactlyInAnyOrderElementsOf(SpecFuzzer.KINDS);
    assertThat(base).isEqualTo(base());
    assertThat(mutations).allSatisfy(m -> assertThat(m.spec()).isNotSameAs(base));
  }

  /**
   * Every expectation agrees with what the operator makes of the spec (read leniently, validated):
   * INVALID names the field, VALID has no error, EITHER names the field if it has one. Reading
   * never throws.
   */
  @Test
  void expectationsAgreeWithTheValidator() {
    SpecFuzzer fuzzer = new SpecFuzzer(1);
    Map<String, Set<String>> seen = new TreeMap<>();
    for (int i = 0; i < 5000; i++) {
      Mutation m = fuzzer.next(base());
      seen.computeIfAbsent(m.kind(), k -> new TreeSet<>()).add(m.description());
      List<String> errors = verdict(m.spec());
      boolean named = errors.stream().anyMatch(e -> e.contains(m.path()));
      switch (m.expect()) {
        case INVALID -> assertThat(named).as(m + " -> " + errors).isTrue();
        case VALID -> assertThat(errors).as(m.toString()).isEmpty();
        case EITHER -> assertThat(errors.isEmpty() || named).as(m + " -> " + errors).isTrue();
      }
    }
    assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(SpecFuzzer.KINDS);
    assertThat(seen.values().stream().mapToInt(Set::size).sum()).as("distinct mutations").isGreaterThan(150);
  }

  @Test
  void eachKindHasInvalidMutationsAndValidOnesExist() {
    SpecFuzzer fuzzer = new SpecFuzzer(3);
    Map<String, Set<Expect>> expects = new TreeMap<>();
    for (int i = 0; i < 3000; i++) {
      Mutation m = fuzzer.next(base());
      expects.computeIfAbsent(m.kind(), k -> new TreeSet<>()).add(m.expect());
    }
    expects.forEach((kind, e) -> assertThat(e).as(kind).contains(kind.equals(SpecFuzzer.VALID) ? Expect.VALID : Expect.INVALID));
    assertThat(expects.get(SpecFuzzer.VALID)).containsOnly(Expect.VALID);
    assertThat(expects.get(SpecFuzzer.TEMPLATE_REJECTED)).containsOnly(Expect.INVALID);
  }

  @Test
  void pathsAreSetAndRemovedMakingWhatIsMissing() {
    ObjectNode spec = base();
    SpecFuzzer.put(spec, "spec.drain.inFlight.http.port", Serialization.jsonMapper().valueToTree("x"));
    SpecFuzzer.put(spec, "spec.template.spec.containers[0].ports[0].containerPort", Serialization.jsonMapper().valueToTree(0));
    SpecFuzzer.put(spec, "spec.template.spec.containers[0].image", null);
    assertThat(spec.at("/drain/inFlight/http/port").asText()).isEqualTo("x");
    assertThat(spec.at("/template/spec/containers/0/ports/0/containerPort").asInt(-1)).isZero();
    assertThat(spec.at("/template/spec/containers/0").has("image")).isFalse();
    assertThat(SpecFuzzer.segments("spec.a.b[0][1].c")).containsExactly("a", "b", 0, 1, "c");
    assertThatThrownBy(() -> SpecFuzzer.segments("status.x")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void fieldIsTheLastSegment() {
    assertThat(new Mutation("spec.template.spec.containers[0].ports[0].containerPort", "x", base(), Expect.INVALID, "")
        .field()).isEqualTo("containerPort");
    assertThat(new Mutation("spec.template.spec.containers[1]", "x", base(), Expect.INVALID, "").field())
        .isEqualTo("containers");
  }
}
