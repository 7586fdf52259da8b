package io.biostream.operators.state;

import java.time.Instant;
import java.util.Objects;

/** A camera the job has seen: when it last produced a result for it, and that frame's sequence. */
public record CameraSeen(String cameraId, Instant lastSeen, long lastSequence) {
    public CameraSeen {
        Objects.requireNonNull(cameraId, "cameraId");
        Objects.requireNonNull(lastSeen, "lastSeen");
    }
}
