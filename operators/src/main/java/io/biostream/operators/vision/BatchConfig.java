package io.biostream.operators.vision;

import io.biostream.operators.config.Settings;
import java.io.Serializable;
import java.time.Duration;

/**
 * The analysis step's micro-batch across frames and cameras of one subtask
 * ({@code biostream.vision.batch.*}): frames are decoded and their faces detected as they arrive,
 * and the landmark and descriptor nets then run once over the faces of up to {@code maxFrames}
 * frames, or {@code maxFaces} faces, whichever is reached first. No frame waits longer than
 * {@code latencyBudget} for its batch. {@code maxFrames} 1 turns batching off: every frame is
 * analysed on its own as it arrives.
 *
 * @param maxFrames     frames per batch, 1 (off) to 256
 * @param maxFaces      faces that close a batch early (landmark-net inputs), 1 to 1024
 * @param latencyBudget longest a frame waits for its batch, 1 ms to 10 s
 */
public record BatchConfig(int maxFrames, int maxFaces, Duration latencyBudget) implements Serializable {
    public static final BatchConfig DEFAULTS = new BatchConfig(8, 32, Duration.ofMillis(100));
    /** One frame per net call, as it arrives. */
    public static final BatchConfig OFF = new BatchConfig(1, 32, Duration.ofMillis(100));

    public BatchConfig {
        if (maxFrames < 1 || maxFrames > 256) {
            throw new Settings.ConfigException("biostream.vision.batch.max-frames", "must be between 1 and 256, got " + maxFrames);
        }
        if (maxFaces < 1 || maxFaces > 1024) {
            throw new Settings.ConfigException("biostream.vision.batch.max-faces", "must be between 1 and 1024, got " + maxFaces);
        }
        if (latencyBudget == null || latencyBudget.toMillis() < 1 || latencyBudget.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new Settings.ConfigException("biostream.vision.batch.latency-budget",
                    "must be between 1 ms and 10 s, got " + latencyBudget);
        }
    }

    public static BatchConfig from(Settings s) {
        return new BatchConfig(
                s.getInt("biostream.vision.batch.max-frames", DEFAULTS.maxFrames, 1, 256),
                s.getInt("biostream.vision.batch.max-faces", DEFAULTS.maxFaces, 1, 1024),
                s.getDuration("biostream.vision.batch.latency-budget", DEFAULTS.latencyBudget));
    }

    /** Whether frames wait for others at all (more than one frame per batch). */
    public boolean enabled() {
        return maxFrames > 1;
    }
}
