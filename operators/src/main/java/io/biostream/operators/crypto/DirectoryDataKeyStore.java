package io.biostream.operators.crypto;

import io.biostream.schemas.DataKeyScope;
import io.biostream.schemas.WireFormat;
import io.biostream.schemas.WrappedDataKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.AvroRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wrapped data keys as files in one owner-only directory, one file per key ({@code <id>.key}) and
 * one per destruction ({@code <id>.destroyed}, kept for good so that a key file put back later is
 * ignored): for a single host (tests of the operators, small deployments). Processes on the same
 * host share the directory; across hosts use {@link KafkaDataKeyStore}.
 */
public final class DirectoryDataKeyStore implements DataKeyStore {
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryDataKeyStore.class);
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    private static final String SUFFIX = ".key";
    private static final String DESTROYED_SUFFIX = ".destroyed";

    private final Path dir;
    private final AtomicLong refused = new AtomicLong();

    public DirectoryDataKeyStore(Path dir) {
        this.dir = dir;
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data key directory " + dir, e);
        }
    }

    @Override
    public void put(WrappedDataKey key) {
        if (Files.exists(destroyedFile(key.getKeyId()))) {
            refuse(key.getKeyId(), "its key is destroyed: a destroyed key is never stored again");
            return;
        }
        write(file(key.getKeyId()), key);
    }

    @Override
    public void destroy(String keyId, WrappedDataKey destruction) {
        if (destruction != null) {
            write(destroyedFile(keyId), destruction);
        }
        try {
            Files.deleteIfExists(file(keyId));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot destroy data key " + keyId, e);
        }
    }

    private void write(Path file, WrappedDataKey record) {
        Path temp = dir.resolve("." + file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(temp);
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(temp, WireFormat.encode(record));
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store data key record " + file.getFileName(), e);
        }
    }

    @Override
    public Optional<WrappedDataKey> get(String keyId) {
        if (Files.exists(destroyedFile(keyId))) {
            return Optional.empty();
        }
        return read(file(keyId), keyId).filter(key -> {
            if (key.getDestroyedTime() != null) {
                refuse(keyId, "a destruction record in a key's file");
                return false;
            }
            return true;
        });
    }

    @Override
    public Optional<WrappedDataKey> destruction(String keyId) {
        return read(destroyedFile(keyId), keyId);
    }

    /** The record in {@code file} if it decodes and names {@code keyId} (the file name is the record key). */
    private Optional<WrappedDataKey> read(Path file, String keyId) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read data key record " + file.getFileName(), e);
        }
        WrappedDataKey key;
        try {
            key = WireFormat.decode(WrappedDataKey.class, bytes);
        } catch (IOException | AvroRuntimeException e) {
            refuse(keyId, "does not decode: " + e.getMessage());
            return Optional.empty();
        }
        if (!key.getKeyId().equals(keyId)) {
            refuse(keyId, "the file holds key id " + key.getKeyId());
            return Optional.empty();
        }
        return Optional.of(key);
    }

    @Override
    public Collection<WrappedDataKey> owned(DataKeyScope scope, String owner) {
        // One host's keys: a scan is cheap enough here; the Kafka store keeps an index.
        return all().stream().filter(k -> k.getScope() == scope && k.getOwner().equals(owner)).toList();
    }

    @Override
    public Collection<WrappedDataKey> all() {
        List<WrappedDataKey> keys = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).toList()) {
                String name = file.getFileName().toString();
                String keyId = name.substring(0, name.length() - SUFFIX.length());
                if (KEY_ID.matcher(keyId).matches()) {
                    get(keyId).ifPresent(keys::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the data keys in " + dir, e);
        }
        return keys;
    }

    @Override
    public long refusedRecords() {
        return refused.get();
    }

    private void refuse(String keyId, String why) {
        refused.incrementAndGet();
        LOG.warn("data key record {} in {} refused: {}", keyId, dir, why);
    }

    private Path file(String keyId) {
        return dir.resolve(checked(keyId) + SUFFIX);
    }

    private Path destroyedFile(String keyId) {
        return dir.resolve(checked(keyId) + DESTROYED_SUFFIX);
    }

    private static String checked(String keyId) {
        if (!KEY_ID.matcher(keyId).matches()) {
            throw new IllegalArgumentException("not a data key id: '" + keyId + "'");
        }
        return keyId;
    }

    @Override
    public void close() {}
}
