package tech.openrtc.operator.api;

/** Marker: the worker reports its count in the {@code agents.openrtc.tech/in-flight} pod annotation. */
public class AnnotationInFlightSource {}
