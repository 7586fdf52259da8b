package io.biostream.operators.identity;

/**
 * One enrolled subject as an answer to a probe: the subject's nearest template and its Euclidean
 * distance to the probe (face-api's measure; same person below about 0.6).
 */
public record Candidate(String subjectId, String templateId, double distance) {}
