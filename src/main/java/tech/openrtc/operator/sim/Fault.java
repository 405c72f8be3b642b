package tech.openrtc.operator.sim;

import java.util.Locale;
import java.util.Optional;

/**
 * How a {@link SimWorker}'s {@code /worker} endpoint misbehaves. Each one is a way a real worker
 * (or the network to it) has been seen to fail; the operator must treat every answer that is not
 * a clean number as "unknown", never as 0.
 */
public enum Fault {
  /** Answers correctly. */
  NONE,
  /** Accepts the connection and never answers until the fault is cleared or the worker stops. */
  HANG,
  /** 200 with a body that is not JSON. */
  GARBAGE,
  /** No listener at all: connections are refused. */
  REFUSE,
  /** Reports {@code active_jobs: 0} while it holds calls (a lying worker; the operator cannot tell). */
  LIE_ZERO,
  /** Reports {@code active_jobs} as a float ({@code 3.0}); the value is still right. */
  FLOAT,
  /**
   * Leaves {@code active_jobs} out when it is 0 (allowed by the contract: missing means 0 in an
   * answer that carries {@code agent_name}, {@code worker_type} or {@code sdk_version}, as this one does).
   */
  OMIT_FIELD;

  /**
   * Parses the value of annotation {@value SimKubelet#ANNOTATION_FAULT}, except
   * {@code crash-after-ms:N}, which is not an HTTP fault (the kubelet handles it).
   */
  static Optional<Fault> parse(String value) {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    String v = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    try {
      return Optional.of(Fault.valueOf(v));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
