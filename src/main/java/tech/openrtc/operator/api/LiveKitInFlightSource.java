package tech.openrtc.operator.api;

/** Marker: count the deployment's AGENT participants on the LiveKit server of {@code spec.livekit}. */
public class LiveKitInFlightSource {}
