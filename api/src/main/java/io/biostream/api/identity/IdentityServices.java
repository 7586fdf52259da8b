package io.biostream.api.identity;

import io.biostream.api.state.IdentityStateReader;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.identity.ControlLog;
import java.time.Clock;
import java.util.Objects;

/**
 * What the identity routes need: the commands that change subjects, sessions and settings through
 * the control log (and its ledger to read them), the search gallery that follows the ledger, the
 * API's face pipeline, and the job's identity states.
 */
public record IdentityServices(IdentityCommands commands, SearchGallery gallery, VisionService vision,
                               IdentityStateReader state) implements AutoCloseable {
    public IdentityServices {
        Objects.requireNonNull(commands, "commands");
        Objects.requireNonNull(gallery, "gallery");
        Objects.requireNonNull(vision, "vision");
        Objects.requireNonNull(state, "state");
    }

    /** Wires the services on a control log; the gallery starts with the ledger's templates and follows it. */
    public static IdentityServices create(ControlLog log, TemplateCipher cipher, VisionService vision,
                                          IdentityStateReader state) {
        return new IdentityServices(new IdentityCommands(log, cipher, Clock.systemUTC()),
                SearchGallery.following(log.ledger(), cipher, vision.modelId()), vision, state);
    }

    /** Closes the gallery (zeroing its descriptors) and the face pipeline; the control log is the caller's. */
    @Override
    public void close() {
        gallery.close();
        vision.close();
    }
}
