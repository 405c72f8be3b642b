package tech.openrtc.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's `kubectl get agd -w` sample has the CRD's columns, as the demo and `kubectl agents get` print them. */
class ReadmeSampleTest {

  private static List<String> words(String line) {
    return Arrays.asList(line.trim().split("\\s+"));
  }

  @Test
  void theSampleHeaderIsTheCrdsPrinterColumns() throws Exception {
    CustomResourceDefinition crd = Serialization.unmarshal(
        Files.readString(Path.of("crds", "agentdeployments.agents.openrtc.tech-v1.yml")), CustomResourceDefinition.class);
    List<String> expected = new ArrayList<>(List.of("NAME"));
    crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns().stream()
        .filter(c -> c.getPriority() == null || c.getPriority() == 0)
        .map(CustomResourceColumnDefinition::getName)
        .forEach(expected::add);

    List<String> readme = Files.readAllLines(Path.of("README.md"));
    int at = readme.indexOf("$ kubectl get agd -w");
    assertThat(at).as("the sample in README.md").isPositive();
    assertThat(words(readme.get(at + 1))).isEqualTo(expected);
    // The demo prints its header with the same code as `kubectl agents get`.
    assertThat(words(GetCommand.table(GetCommand.rows(List.of(), false, false, Instant.now())).get(0)))
        .isEqualTo(expected);
    // Every sample row has a value (or a blank CALLS) for each column.
    int end = at + 2;
    while (!readme.get(end).startsWith("```")) {
      end++;
    }
    for (String row : readme.subList(at + 2, end)) {
      assertThat(words(row).size()).as(row).isBetween(expected.size() - 1, expected.size());
    }
  }
}
