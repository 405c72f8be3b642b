package tech.openrtc.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** Marker: the worker reports its count in the {@code agents.openrtc.tech/in-flight} pod annotation. */
// An empty object selects the source; the annotation lets Jackson write it as {}.
@JsonIgnoreProperties(ignoreUnknown = true)
public class AnnotationInFlightSource extends Tolerant {}
