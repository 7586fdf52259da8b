package io.biostream.operators.decode;

import io.biostream.schemas.DeadLetterReason;

/** A frame the pipeline refuses, with the dead-letter reason that says why. */
public class FrameRejectedException extends Exception {
    private final DeadLetterReason reason;

    public FrameRejectedException(DeadLetterReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public DeadLetterReason reason() {
        return reason;
    }
}
