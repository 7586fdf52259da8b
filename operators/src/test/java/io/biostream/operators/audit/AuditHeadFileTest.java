package io.biostream.operators.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditHeadFileTest {
    @TempDir
    Path dir;

    @Test
    void aHeadIsWrittenOwnerOnlyAndReadBackAndNoFileIsNoHead() throws IOException {
        AuditHeadFile file = new AuditHeadFile(dir.resolve("keys/audit-head.properties"));
        assertThat(file.read()).isNull();

        AuditCheckpoint signed = new AuditCheckpoint(10, 9, hash(9), 9L);
        AuditCheckpoint written = new AuditCheckpoint(13, 12, hash(12), 14L);
        file.write(new AuditHeadFile.Head(signed, written));
        AuditHeadFile.Head read = file.read();
        assertThat(read.lastSigned().sameEvent(signed)).isTrue();
        assertThat(read.lastWritten().sameEvent(written)).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path()))).isEqualTo("rw-------");

        file.write(new AuditHeadFile.Head(null, written));
        assertThat(file.read().lastSigned()).isNull();
    }

    @Test
    void aDamagedFileIsRefusedWithItsName() throws IOException {
        Path path = dir.resolve("audit-head.properties");
        AuditHeadFile file = new AuditHeadFile(path);
        Files.writeString(path, "written.sequence=12\nwritten.hash=zz\nwritten.offset=14\n");
        assertThatThrownBy(file::read).isInstanceOf(IOException.class).hasMessageContaining(path.toString());
        Files.writeString(path, "signed.sequence=3\n");
        assertThatThrownBy(file::read).isInstanceOf(IOException.class).hasMessageContaining(path.toString());
    }

    private static byte[] hash(int seed) {
        byte[] hash = new byte[AuditCanonicalForm.HASH_BYTES];
        hash[0] = (byte) seed;
        return hash;
    }
}
