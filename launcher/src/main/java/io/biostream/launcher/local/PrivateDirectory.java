package io.biostream.launcher.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The folder local mode and the local cluster keep everything in (Kafka segments with camera
 * frames, checkpoints, keys): mode 700, so other users of the machine read none of it whatever
 * the umask. An existing folder that others may enter is tightened, with a warning.
 */
public final class PrivateDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(PrivateDirectory.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private PrivateDirectory() {}

    public static Path create(Path dir) throws IOException {
        Files.createDirectories(dir);
        try {
            Set<PosixFilePermission> now = Files.getPosixFilePermissions(dir);
            if (!now.equals(OWNER_ONLY)) {
                if (now.stream().anyMatch(p -> !OWNER_ONLY.contains(p))) {
                    LOG.warn("{} was {}: other users could read frames, state and keys in it; now rwx------", dir,
                            PosixFilePermissions.toString(now));
                }
                Files.setPosixFilePermissions(dir, OWNER_ONLY);
            }
        } catch (UnsupportedOperationException notPosix) {
            LOG.warn("{} is not on a POSIX file system: its permissions are left as they are", dir);
        }
        return dir;
    }
}
