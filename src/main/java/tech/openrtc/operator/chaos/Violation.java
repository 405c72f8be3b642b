package tech.openrtc.operator.chaos;

import java.time.Instant;

/**
 * A breach of one of the operator's invariants, seen from outside the operator.
 *
 * @param invariant the invariant's number (1-6, as listed in RELIABILITY.md)
 * @param at when it was seen
 * @param deployment the AgentDeployment concerned (or "-")
 * @param what the rule broken, in one line
 * @param evidence what was observed: pods, requests, calls
 */
public record Violation(int invariant, Instant at, String deployment, String what, String evidence) {}
