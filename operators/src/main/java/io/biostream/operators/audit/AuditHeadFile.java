package io.biostream.operators.audit;

import io.biostream.operators.crypto.SecretFiles;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Properties;

/**
 * Where the audit writer keeps, outside the topic, the head it last wrote: its last signed
 * checkpoint and its last event (sequence, hash, topic offset). Compared with the topic when the
 * writer opens, it tells a trail cut back to an older checkpoint, and the writer's own unsigned
 * tail from events someone else appended. Replaced atomically after each write (temp file and
 * rename, mode 600), so a crash leaves the old head or the new one, never half of one.
 */
public final class AuditHeadFile {
    private static final HexFormat HEX = HexFormat.of();

    /** The writer's head: its newest signed checkpoint (null before the first) and its newest event. */
    public record Head(AuditCheckpoint lastSigned, AuditCheckpoint lastWritten) {
        public Head {
            Objects.requireNonNull(lastWritten, "lastWritten");
        }
    }

    private final Path file;

    public AuditHeadFile(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    public Path path() {
        return file;
    }

    /** The head last written, or null when there is no file yet. */
    public Head read() throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        try {
            AuditCheckpoint written = checkpoint(p, "written");
            if (written == null) {
                throw new IOException("audit head file " + file + " names no last event");
            }
            return new Head(checkpoint(p, "signed"), written);
        } catch (IllegalArgumentException e) {
            throw new IOException("audit head file " + file + " is not readable: " + e.getMessage(), e);
        }
    }

    public void write(Head head) throws IOException {
        StringBuilder text = new StringBuilder("# the audit writer's last head; compared with the audit topic on start\n");
        append(text, "signed", head.lastSigned());
        append(text, "written", head.lastWritten());
        SecretFiles.writeOwnerOnly(file, text.toString());
    }

    private static void append(StringBuilder text, String name, AuditCheckpoint c) {
        if (c == null) {
            return;
        }
        text.append(name).append(".sequence=").append(c.sequence()).append('\n');
        text.append(name).append(".hash=").append(HEX.formatHex(c.hash())).append('\n');
        text.append(name).append(".offset=").append(c.offset()).append('\n');
    }

    private static AuditCheckpoint checkpoint(Properties p, String name) {
        String sequence = p.getProperty(name + ".sequence");
        if (sequence == null) {
            return null;
        }
        long seq = Long.parseLong(sequence.trim());
        return new AuditCheckpoint(seq + 1, seq, HEX.parseHex(p.getProperty(name + ".hash", "").trim()),
                Long.parseLong(p.getProperty(name + ".offset", "").trim()));
    }
}
