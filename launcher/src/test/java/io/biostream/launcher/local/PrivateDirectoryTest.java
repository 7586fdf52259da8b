package io.biostream.launcher.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding 12 of the hardening issue: var/ was created with the default umask, Kafka segments with faces readable by other users. */
class PrivateDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void aNewFolderIsOwnerOnlyWhateverTheUmask() throws Exception {
        Path var = PrivateDirectory.create(dir.resolve("a/var"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(var))).isEqualTo("rwx------");
    }

    @Test
    void anExistingFolderOthersCouldEnterIsTightened() throws Exception {
        Path var = Files.createDirectories(dir.resolve("var"));
        Files.setPosixFilePermissions(var, PosixFilePermissions.fromString("rwxr-xr-x"));
        PrivateDirectory.create(var);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(var))).isEqualTo("rwx------");
    }
}
