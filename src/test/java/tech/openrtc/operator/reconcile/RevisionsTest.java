package tech.openrtc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

class RevisionsTest {

  private static final PodTemplateSpec TEMPLATE = Fixtures.template("agent:1");

  @Test
  void tenCharactersFromTheSafeAlphabet() {
    for (String version : new String[] {"v1", "v2", "2026.11.2", "x"}) {
      assertThat(Revisions.hash(version, TEMPLATE, null))
          .hasSize(10)
          .matches("[" + Revisions.ALPHABET + "]{10}");
    }
    assertThat(Revisions.ALPHABET).doesNotContain("a", "e", "i", "o", "u", "0", "1", "3");
  }

  @Test
  void stableAcrossCallsAndOperatorVersions() {
    // Pinned: a different hash for the same spec would make a new operator restart every worker.
    assertThat(Revisions.hash("v1", TEMPLATE, null)).isEqualTo(Revisions.hash("v1", Fixtures.template("agent:1"), null));
    assertThat(Revisions.hash("v1", TEMPLATE, null)).isEqualTo("gf5rkfngz2");
  }

  @Test
  void independentOfMapKeyOrder() {
    PodTemplateSpec ab = new PodTemplateSpecBuilder()
        .withNewMetadata().addToLabels("a", "1").addToLabels("b", "2").addToAnnotations("x", "1").addToAnnotations("y", "2").endMetadata()
        .withNewSpec().addToNodeSelector("zone", "a").addToNodeSelector("disk", "ssd")
        .addNewContainer().withName("agent").withImage("agent:1").endContainer().endSpec()
        .build();
    PodTemplateSpec ba = new PodTemplateSpecBuilder()
        .withNewMetadata().addToLabels("b", "2").addToLabels("a", "1").addToAnnotations("y", "2").addToAnnotations("x", "1").endMetadata()
        .withNewSpec().addToNodeSelector("disk", "ssd").addToNodeSelector("zone", "a")
        .addNewContainer().withName("agent").withImage("agent:1").endContainer().endSpec()
        .build();
    assertThat(Serialization.asJson(ab)).isNotEqualTo(Serialization.asJson(ba)); // the input really differs

    assertThat(Revisions.hash("v1", ab, "support")).isEqualTo(Revisions.hash("v1", ba, "support"));
  }

  @Test
  void independentOfJsonKeyOrderAfterARoundTrip() {
    String json = "{\"spec\":{\"containers\":[{\"image\":\"agent:1\",\"name\":\"agent\"}]},"
        + "\"metadata\":{\"labels\":{\"app\":\"support\"}}}";
    PodTemplateSpec parsed = Serialization.unmarshal(json, PodTemplateSpec.class);

    assertThat(Revisions.hash("v1", parsed, null)).isEqualTo(Revisions.hash("v1", TEMPLATE, null));
  }

  @Test
  void canonicalSortsKeysAtEveryLevel() {
    var node = Serialization.jsonMapper().createObjectNode();
    node.putObject("b").put("z", 1).put("y", 2);
    node.putArray("a").addObject().put("d", 1).put("c", 2);

    assertThat(Revisions.canonical(node)).isEqualTo("{\"a\":[{\"c\":2,\"d\":1}],\"b\":{\"y\":2,\"z\":1}}");
  }

  @Test
  void versionTemplateAndAgentNameEachChangeTheRevision() {
    String base = Revisions.hash("v1", TEMPLATE, "support");

    assertThat(Revisions.hash("v2", TEMPLATE, "support")).isNotEqualTo(base);
    assertThat(Revisions.hash("v1", Fixtures.template("agent:2"), "support")).isNotEqualTo(base);
    assertThat(Revisions.hash("v1", TEMPLATE, "sales")).isNotEqualTo(base);
    assertThat(Revisions.hash("v1", TEMPLATE, null)).isNotEqualTo(base);
  }

  @Test
  void containerOrderIsPartOfTheTemplate() {
    PodTemplateSpec one = new PodTemplateSpecBuilder().withNewSpec()
        .addNewContainer().withName("a").withImage("a:1").endContainer()
        .addNewContainer().withName("b").withImage("b:1").endContainer().endSpec().build();
    PodTemplateSpec two = new PodTemplateSpecBuilder().withNewSpec()
        .addNewContainer().withName("b").withImage("b:1").endContainer()
        .addNewContainer().withName("a").withImage("a:1").endContainer().endSpec().build();

    assertThat(Revisions.hash("v1", one, null)).isNotEqualTo(Revisions.hash("v1", two, null));
  }
}
