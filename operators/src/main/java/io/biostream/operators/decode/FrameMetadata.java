package io.biostream.operators.decode;

import io.biostream.schemas.Frame;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a frame says about itself besides its image: a capture time a camera's clock can have, and a
 * session id of the same shape as the ids the API hands out. A frame stamped far in the future would
 * outlive its retention and sort before every real frame; one from before 2000 is a camera whose
 * clock was never set; a session id of any bytes would become a key of queryable state.
 */
public final class FrameMetadata {
    /** How far ahead of this machine's clock a camera's clock may run. */
    public static final Duration MAX_CLOCK_AHEAD = Duration.ofMinutes(5);
    public static final Instant EARLIEST_CAPTURE = Instant.parse("2000-01-01T00:00:00Z");
    public static final String SESSION_RULE = "1-128 characters of A-Z a-z 0-9 . _ : -";
    private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private FrameMetadata() {}

    /** Why the frame's capture time or session id cannot be taken as given, or empty. */
    public static Optional<String> problem(Frame frame, Instant now) {
        Optional<String> time = captureTimeProblem(frame, now);
        if (time.isPresent()) {
            return time;
        }
        String session = frame.getSessionId();
        if (session != null && !SESSION_ID.matcher(session).matches()) {
            return Optional.of("sessionId must be " + SESSION_RULE);
        }
        return Optional.empty();
    }

    /** Why the frame's capture time is not one a camera's clock can have, or empty. */
    public static Optional<String> captureTimeProblem(Frame frame, Instant now) {
        Instant captured = frame.getCaptureTime();
        if (captured.isAfter(now.plus(MAX_CLOCK_AHEAD))) {
            return Optional.of("captureTime " + captured + " is more than " + MAX_CLOCK_AHEAD.toMinutes()
                    + " min ahead of the job's clock (" + now + "): is the camera's clock set?");
        }
        if (captured.isBefore(EARLIEST_CAPTURE)) {
            return Optional.of("captureTime " + captured + " is before " + EARLIEST_CAPTURE + ": the camera's clock is not set");
        }
        return Optional.empty();
    }
}
