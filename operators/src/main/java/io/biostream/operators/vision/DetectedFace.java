package io.biostream.operators.vision;

/** A face box in image pixels with its detector's confidence. */
public record DetectedFace(float x, float y, float width, float height, float score) {}
