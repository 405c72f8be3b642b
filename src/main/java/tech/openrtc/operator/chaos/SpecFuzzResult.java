package tech.openrtc.operator.chaos;

import java.util.List;
import java.util.Map;

/**
 * What a {@link SpecFuzzRun} found.
 *
 * @param tried mutated specs applied
 * @param invalidRejected of those, the ones the operator called InvalidSpec, naming the field
 * @param validAccepted of those, the ones it accepted (observed, no InvalidSpec)
 * @param byKind mutated specs applied, by {@link SpecFuzzer#KINDS kind}
 * @param failures each broken expectation: the mutation (path, kind, expectation) and what was seen
 */
public record SpecFuzzResult(long tried, long invalidRejected, long validAccepted, Map<String, Long> byKind,
    List<String> failures) {

  public SpecFuzzResult {
    byKind = Map.copyOf(byKind);
    failures = List.copyOf(failures);
  }

  public boolean passed() {
    return failures.isEmpty();
  }

  /** One line: counts, kinds and the number of failures. */
  public String summary() {
    return "spec fuzzing: " + tried + " specs tried (" + invalidRejected + " rejected as InvalidSpec, " + validAccepted
        + " accepted), by kind " + new java.util.TreeMap<>(byKind) + ", " + failures.size() + " failures";
  }
}
