package io.biostream.api.state;

import io.biostream.operators.crypto.DataKeyUnavailableException;
import io.biostream.operators.crypto.KeyStoreUnavailableException;
import io.biostream.operators.state.StateSeal;
import java.security.GeneralSecurityException;
import java.util.Optional;

/** Opens a sealed queryable-state value ({@link StateSeal}) the way every reader answers for it. */
final class SealedValues {
    /** How a reader turns the opened bytes into its value. */
    interface Opener<T> {
        Optional<T> open(StateSeal seal, String key, byte[] stored) throws GeneralSecurityException;
    }

    private SealedValues() {}

    /**
     * The value, or empty when its key is gone (expired with the retention, or destroyed).
     *
     * @throws StateUnavailableException when the key store cannot tell now (the API answers 503)
     * @throws IllegalStateException     when the value does not open under its key (altered state: a 500, logged)
     */
    static <T> Optional<T> open(String state, String key, byte[] stored, StateSeal seal, Opener<T> opener)
            throws StateUnavailableException {
        try {
            return opener.open(seal, key, stored);
        } catch (DataKeyUnavailableException | KeyStoreUnavailableException e) {
            throw new StateUnavailableException(StateUnavailableException.Reason.FAILED,
                    "the data keys of state " + state + " cannot be read now", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("state " + state + " holds a value for " + key + " that does not open under its key", e);
        }
    }
}
