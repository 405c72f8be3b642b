package tech.openrtc.operator.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * When each fault of a chaos run happens, decided up front from the seed alone, so a run can be
 * repeated: the same seed gives the same faults at the same offsets against the same
 * deployments. (What the operator does in between is not repeatable; the schedule is.)
 *
 * <p>Every kind happens once first, in a shuffled order, spread over as long as they would take at
 * the mean gap but at most 60% of the window, so even a short run injects them all; then kinds are
 * drawn at random with exponential gaps of mean {@code meanGap}; and a background stream of
 * version bumps every 5-20 s keeps rollouts going.
 */
public final class ChaosSchedule {

  /** One fault: at {@code at} after the start, of {@code kind}, on deployment number {@code deployment}. */
  public record Entry(Duration at, FaultKind kind, int deployment, long seed) {}

  private ChaosSchedule() {}

  public static List<Entry> plan(long seed, Duration window, int deployments, List<FaultKind> kinds, Duration meanGap) {
    if (deployments < 1) {
      throw new IllegalArgumentException("at least one deployment");
    }
    Random random = new Random(seed);
    long windowMs = window.toMillis();
    List<Entry> entries = new ArrayList<>();

    List<FaultKind> firstPass = new ArrayList<>(kinds);
    Collections.shuffle(firstPass, random);
    long firstPassMs = Math.min(windowMs * 6 / 10, kinds.size() * meanGap.toMillis());
    for (int i = 0; i < firstPass.size(); i++) {
      long at = firstPassMs * i / firstPass.size() + random.nextLong(Math.max(1, firstPassMs / firstPass.size()));
      entries.add(new Entry(Duration.ofMillis(at), firstPass.get(i), random.nextInt(deployments), random.nextLong()));
    }
    for (long at = firstPassMs + exponential(random, meanGap.toMillis()); at < windowMs;
        at += exponential(random, meanGap.toMillis())) {
      entries.add(new Entry(Duration.ofMillis(at), kinds.get(random.nextInt(kinds.size())),
          random.nextInt(deployments), random.nextLong()));
    }
    for (long at = 5_000 + random.nextLong(15_000); at < windowMs; at += 5_000 + random.nextLong(15_000)) {
      entries.add(new Entry(Duration.ofMillis(at), FaultKind.VERSION_BUMP, random.nextInt(deployments), random.nextLong()));
    }
    entries.sort(Comparator.comparing(Entry::at));
    return List.copyOf(entries);
  }

  private static long exponential(Random random, long meanMs) {
    return 1 + (long) (-Math.log(1 - random.nextDouble()) * meanMs);
  }
}
