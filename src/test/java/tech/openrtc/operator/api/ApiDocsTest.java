package tech.openrtc.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class ApiDocsTest {

  @Test
  void committedDocsMatchTheCrd() throws Exception {
    assertThat(Files.readString(ApiDocs.DOCS))
        .as("docs/api.md is stale: regenerate it with `mvn -q -Pupdate-crds process-classes` and commit it")
        .isEqualTo(ApiDocs.render(Files.readString(ApiDocs.CRD)));
  }

  @Test
  void rendersPathsTypesDefaultsValidationAndRules() throws Exception {
    String md = ApiDocs.render("""
        spec:
          group: g.example
          names: {kind: Thing, plural: things, shortNames: [th]}
          scope: Namespaced
          versions:
          - name: v1
            schema:
              openAPIV3Schema:
                properties:
                  spec:
                    required: [port]
                    properties:
                      port: {type: integer, default: 8081, minimum: 1.0, maximum: 65535.0, description: "The\\n  port."}
                      mode: {type: string, enum: [A, B]}
                      sep: {type: string, pattern: "^(a|b)$"}
                      items:
                        type: array
                        items: {type: object, properties: {name: {type: string}}}
                      template:
                        type: object
                        properties: {spec: {type: object}}
                        x-kubernetes-validations:
                        - {rule: "has(self.spec)", message: "needs a spec"}
        """);

    assertThat(md)
        .contains("Group `g.example`, kind `Thing`, plural `things`, short names `th`, scope Namespaced.")
        .contains("| `spec.port` | integer | yes | `8081` | >= 1; <= 65535 | The port. |")
        .contains("| `spec.mode` | string |  |  | one of `A`, `B` |  |")
        .contains("| `spec.sep` | string |  |  | pattern `^(a\\|b)$` |  |")
        .contains("| `spec.items` | []object |")
        .contains("| `spec.items[].name` | string |")
        .contains("- `spec.template`: `has(self.spec)`\n  (message: needs a spec)");
  }

  @Test
  void thePodTemplateIsOneRowNotItsThousandsOfFields() throws Exception {
    String md = ApiDocs.render(Files.readString(ApiDocs.CRD));

    assertThat(md).contains("| `spec.template` | PodTemplateSpec (core/v1; ")
        .doesNotContain("`spec.template.spec")
        .doesNotContain("](http");
  }
}
