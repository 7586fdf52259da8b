package io.biostream.launcher.local;

import io.biostream.operators.crypto.SecretFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The Kafka principals of a local broker and their generated passwords: one file per principal
 * ({@code <principal>.password}, mode 600) in a private directory (mode 700) beside the broker's
 * data, generated on first use and reused on every later start, so a restarted broker and the
 * processes it serves keep their credentials.
 */
public final class KafkaCredentials {
    /** The broker's own principal: inter-broker and controller traffic, topic and ACL administration; a super user. */
    public static final String BROKER = "broker";
    /**
     * The operator's SCRAM principal, a super user like the broker's: for kafka-* tools and tests
     * that must reach every topic (a client connection, unlike the broker's PLAIN one).
     */
    public static final String ADMIN = "admin";
    /** The pipeline job's principal. */
    public static final String JOB = "job";
    /** The API's principal. */
    public static final String API = "api";
    private static final String CAMERA_PREFIX = "camera-";
    /** Safe as a SCRAM user name, in JAAS text and as a file name. */
    private static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z0-9._:-]{1,160}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;

    private KafkaCredentials(Path dir) {
        this.dir = dir;
    }

    /** The credentials kept in {@code dir}, created mode 700 (tightened when others could enter it). */
    public static KafkaCredentials open(Path dir) throws IOException {
        return new KafkaCredentials(PrivateDirectory.create(dir.toAbsolutePath().normalize()));
    }

    /** The principal a camera's producer authenticates as: {@code camera-<cameraId>}. */
    public static String camera(String cameraId) {
        return requirePrincipal(CAMERA_PREFIX + cameraId);
    }

    public Path dir() {
        return dir;
    }

    /** The file holding {@code principal}'s password (it may not exist before {@link #password}). */
    public Path passwordFile(String principal) {
        return passwordFile(dir, principal);
    }

    /** The file holding {@code principal}'s password in credentials directory {@code dir}. */
    public static Path passwordFile(Path dir, String principal) {
        return dir.toAbsolutePath().normalize().resolve(requirePrincipal(principal) + ".password");
    }

    /** {@code principal}'s password: the one stored, or a new random one written owner-only now. */
    public synchronized String password(String principal) throws IOException {
        Path file = passwordFile(principal);
        if (Files.exists(file)) {
            String stored = SecretFiles.readOwnerOnly(file, "Kafka password of " + principal).strip();
            if (!stored.isEmpty()) {
                return stored;
            }
        }
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String generated = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        SecretFiles.writeOwnerOnly(file, generated);
        return generated;
    }

    private static String requirePrincipal(String principal) {
        if (principal == null || !PRINCIPAL.matcher(principal).matches()) {
            throw new IllegalArgumentException("not a usable Kafka principal name: '" + principal + "'");
        }
        return principal;
    }
}
