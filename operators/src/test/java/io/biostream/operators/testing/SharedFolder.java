package io.biostream.operators.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The shared folder beside the clone ({@code ../shared}: face photos and the face-api goldens, never
 * copied into the repository), as the build passes it in {@code biostream.shared.dir}.
 *
 * <p>Where it is missing a test that needs it is skipped with a message, except where the build says
 * it is required ({@code biostream.shared.required=true}, set when {@code CI=true}): there a missing
 * folder fails the test, since Maven counts a skip as a pass and a renamed folder would otherwise
 * turn every golden, identity and data-protection test green without running it.
 */
public final class SharedFolder {
    public static final String DIR_PROPERTY = "biostream.shared.dir";
    public static final String REQUIRED_PROPERTY = "biostream.shared.required";

    private SharedFolder() {}

    /** The shared folder itself. */
    public static Path root() {
        return resolve("");
    }

    /** {@code <shared>/<relative>} (a file or a folder) when it exists; otherwise skip or fail, as above. */
    public static Path resolve(String relative) {
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir == null || dir.isBlank()) {
            return missing("system property " + DIR_PROPERTY + " is not set");
        }
        Path path = Path.of(dir).resolve(relative).normalize();
        if (!Files.exists(path)) {
            return missing("../shared/" + relative + " not found (" + DIR_PROPERTY + "=" + dir + ")");
        }
        return path;
    }

    private static Path missing(String why) {
        if (Boolean.getBoolean(REQUIRED_PROPERTY)) {
            return Assertions.fail(why + ": the shared folder is required here (" + REQUIRED_PROPERTY
                    + "=true, set when CI=true); put ../shared beside the clone");
        }
        Assumptions.abort(why + ": test skipped");
        return null;
    }
}
