package tech.openrtc.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** Marker: count the deployment's AGENT participants on the LiveKit server of {@code spec.livekit}. */
// An empty object selects the source; the annotation lets Jackson write it as {}.
@JsonIgnoreProperties(ignoreUnknown = true)
public class LiveKitInFlightSource extends Tolerant {}
