package tech.openrtc.operator.reconcile;

import java.time.Duration;
import java.time.Instant;

/**
 * When the pods of a deployment that are not draining are read (drain.activePollSeconds): every
 * period, at an offset of the period that depends on the deployment, so a thousand deployments do
 * not read all their pods in the same second. Pure.
 */
final class ActiveReads {

  private ActiveReads() {}

  /** The first read time after {@code now} in {@code key}'s slot of the period. */
  static Instant next(String key, Instant now, Duration period) {
    long periodMs = period.toMillis();
    long offset = Math.floorMod((long) key.hashCode() * 2654435761L, periodMs);
    long nowMs = now.toEpochMilli();
    long next = nowMs - Math.floorMod(nowMs - offset, periodMs) + periodMs;
    return Instant.ofEpochMilli(next);
  }
}
