package tech.openrtc.operator.sim;

import java.time.Instant;

/**
 * A DELETE request for an existing pod, or an eviction that deleted it, as the API server received it.
 *
 * @param gracePeriodSeconds from the request's DeleteOptions (body or query), null if not given
 * @param liveCallsAtRequest live ledger calls on the pod when the request arrived: more than 0
 *     means the caller deleted a busy pod (graceful termination would otherwise hide it)
 * @param repeat the pod was already being deleted (only the first DELETE is its deletion)
 * @param eviction the deletion came from the eviction API (grace from its deleteOptions), not a DELETE
 */
public record PodDeletion(
    String namespace,
    String name,
    Long gracePeriodSeconds,
    int liveCallsAtRequest,
    Instant at,
    boolean repeat,
    boolean eviction) {}
