package tech.openrtc.operator.sim;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/** Label selector matching as metav1.LabelSelectorAsSelector (apimachinery pkg/apis/meta/v1/helpers.go) reads it. */
final class LabelSelectors {

  private LabelSelectors() {}

  /**
   * Whether the selector selects these labels. A missing or empty selector selects nothing, as a
   * PodDisruptionBudget's does (disruption.go getPodsForPdb, eviction.go getPodDisruptionBudgets).
   */
  static boolean selectsSomethingAndMatches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null || isEmpty(selector)) {
      return false;
    }
    Map<String, String> have = labels == null ? Map.of() : labels;
    Map<String, String> matchLabels = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
    for (Map.Entry<String, String> wanted : matchLabels.entrySet()) {
      if (!wanted.getValue().equals(have.get(wanted.getKey()))) {
        return false;
      }
    }
    List<LabelSelectorRequirement> expressions =
        selector.getMatchExpressions() == null ? List.of() : selector.getMatchExpressions();
    return expressions.stream().allMatch(e -> matches(e, have));
  }

  private static boolean isEmpty(LabelSelector selector) {
    return (selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
        && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty());
  }

  private static boolean matches(LabelSelectorRequirement requirement, Map<String, String> labels) {
    String value = labels.get(requirement.getKey());
    List<String> values = requirement.getValues() == null ? List.of() : requirement.getValues();
    return switch (requirement.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> value != null;
      case "DoesNotExist" -> value == null;
      default -> false; // an invalid selector matches nothing
    };
  }
}
