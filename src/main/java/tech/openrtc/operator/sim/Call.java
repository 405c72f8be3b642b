package tech.openrtc.operator.sim;

import java.time.Duration;
import java.time.Instant;

/**
 * One simulated call, as placed on one worker pod. Ids are unique per {@link CallLedger}, not
 * dense: an id is spent even when the chosen worker turns the call down at the last moment.
 */
public record Call(
    long id,
    String namespace,
    String deployment,
    String pod,
    String version,
    Instant start,
    Duration planned) {}
