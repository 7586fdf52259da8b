package io.biostream.operators.crypto;

import io.biostream.schemas.WireFormat;
import io.biostream.schemas.WrappedDataKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Wrapped data keys as files in one owner-only directory, one file per key: for a single host
 * (tests of the operators, small deployments). Destroying a key deletes its file. Processes on
 * the same host share the directory; across hosts use {@link KafkaDataKeyStore}.
 */
public final class DirectoryDataKeyStore implements DataKeyStore {
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    private static final String SUFFIX = ".key";

    private final Path dir;

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
        Path file = file(key.getKeyId());
        Path temp = dir.resolve("." + key.getKeyId() + ".tmp");
        try {
            Files.deleteIfExists(temp);
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(temp, WireFormat.encode(key));
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store data key " + key.getKeyId(), e);
        }
    }

    @Override
    public void destroy(String keyId) {
        try {
            Files.deleteIfExists(file(keyId));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot destroy data key " + keyId, e);
        }
    }

    @Override
    public Optional<WrappedDataKey> get(String keyId) {
        Path file = file(keyId);
        try {
            return Optional.of(WireFormat.decode(WrappedDataKey.class, Files.readAllBytes(file)));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read data key " + keyId, e);
        }
    }

    @Override
    public Collection<WrappedDataKey> all() {
        List<WrappedDataKey> keys = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).toList()) {
                String name = file.getFileName().toString();
                get(name.substring(0, name.length() - SUFFIX.length())).ifPresent(keys::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the data keys in " + dir, e);
        }
        return keys;
    }

    private Path file(String keyId) {
        if (!KEY_ID.matcher(keyId).matches()) {
            throw new IllegalArgumentException("not a data key id: '" + keyId + "'");
        }
        return dir.resolve(keyId + SUFFIX);
    }

    @Override
    public void close() {}
}
