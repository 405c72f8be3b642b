package tech.openrtc.operator.sim;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * Call load for one {@link CallGenerator}: Poisson arrivals at {@code callsPerSecond}, and call
 * durations that are fixed, uniform between {@code min} and {@code max}, or exponential with
 * {@code mean}, optionally capped at {@code max}.
 */
public record CallProfile(
    double callsPerSecond, Shape shape, Duration min, Duration max, Duration mean, long seed) {

  public enum Shape { FIXED, UNIFORM, EXPONENTIAL }

  public CallProfile {
    Objects.requireNonNull(shape, "shape");
    if (callsPerSecond < 0 || Double.isNaN(callsPerSecond)) {
      throw new IllegalArgumentException("callsPerSecond must be >= 0");
    }
    switch (shape) {
      case FIXED, UNIFORM -> {
        Objects.requireNonNull(min, "min");
        Objects.requireNonNull(max, "max");
        if (min.isNegative() || max.compareTo(min) < 0) {
          throw new IllegalArgumentException("need 0 <= min <= max");
        }
      }
      case EXPONENTIAL -> {
        Objects.requireNonNull(mean, "mean");
        if (mean.isNegative() || mean.isZero()) {
          throw new IllegalArgumentException("mean must be > 0");
        }
      }
    }
  }

  /** Every call lasts {@code duration}. */
  public static CallProfile fixed(double callsPerSecond, Duration duration) {
    return new CallProfile(callsPerSecond, Shape.FIXED, duration, duration, duration, 1L);
  }

  public static CallProfile uniform(double callsPerSecond, Duration min, Duration max) {
    return new CallProfile(callsPerSecond, Shape.UNIFORM, min, max, null, 1L);
  }

  /** Exponential durations with that mean, cut off at {@code max} (null: no cap). */
  public static CallProfile exponential(double callsPerSecond, Duration mean, Duration max) {
    return new CallProfile(callsPerSecond, Shape.EXPONENTIAL, null, max, mean, 1L);
  }

  /** No arrivals; calls only through {@link CallGenerator#placeCall(Duration)}. */
  public static CallProfile manual() {
    return fixed(0, Duration.ofMinutes(1));
  }

  public CallProfile withSeed(long s) {
    return new CallProfile(callsPerSecond, shape, min, max, mean, s);
  }

  public CallProfile withRate(double cps) {
    return new CallProfile(cps, shape, min, max, mean, seed);
  }

  Duration sample(Random random) {
    return switch (shape) {
      case FIXED -> min;
      case UNIFORM -> min.plusMillis((long) (random.nextDouble() * max.minus(min).toMillis()));
      case EXPONENTIAL -> {
        long ms = (long) (-Math.log(1 - random.nextDouble()) * mean.toMillis());
        yield max != null && ms > max.toMillis() ? max : Duration.ofMillis(ms);
      }
    };
  }
}
