package io.biostream.operators.identity;

/**
 * One enrolled subject as an answer to a probe: the subject's nearest template and its Euclidean
 * distance to the probe.
 */
public record Candidate(String subjectId, String templateId, double distance) {}
