package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.api.identity.IdentityServices;
import io.biostream.api.identity.InMemoryControlLog;
import io.biostream.api.identity.InMemoryIdentityState;
import io.biostream.api.identity.SharedVision;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.identity.FacePhotos;
import io.biostream.operators.identity.IdentityLedger;
import io.biostream.operators.identity.IdentityConfig;
import io.biostream.operators.vision.VisionConfig;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploaded photos are biometric data and are held in memory only: with the temporary directory
 * (where a multipart spool would go) pointed at an empty, watched directory, every photo route is
 * sent photos as the body and as multipart parts, small and close to the request limit, and not
 * one file appears there, not even for a moment (inotify sees a file created and deleted at once).
 */
class PhotoUploadsInMemoryTest {
    private static final long MAX_BODY = 3L << 20;

    @TempDir
    static Path dir;

    private static IssuedKey admin;
    private static IssuedKey analyst;
    private static IdentityServices identity;
    private static IdentityApiServer api;
    private static ApiServer server;

    @BeforeAll
    static void start() throws Exception {
        ApiKeyStore keys = new ApiKeyStore();
        admin = keys.generate("registrar", EnumSet.of(Role.ADMIN), Set.of());
        analyst = keys.generate("investigator", EnumSet.of(Role.ANALYST), Set.of());
        InMemoryControlLog control = new InMemoryControlLog(
                new IdentityLedger(IdentityConfig.DEFAULTS.defaultSettings(VisionConfig.DEFAULTS)));
        api = IdentityApiServer.start(ApiConfig.defaults().withPort(0).withMaxRequestBodyBytes(MAX_BODY), keys,
                TestKeyRings.throwawayCipher(), new InMemoryAuditTrail().trail(), control, new InMemoryIdentityState());
        identity = api.identity;
        server = api.server;
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void noUploadedPhotoIsWrittenToDisk() throws Exception {
        byte[] howard = FacePhotos.bbt("howard", 14);
        byte[] sheldon = FacePhotos.bbt("sheldon", 16);
        byte[] large = noisePng(1024, 1000);
        assertThat((double) large.length).as("a photo close to the limit").isBetween(0.9 * MAX_BODY, MAX_BODY - 4096.0);
        assertThat(post("/api/v1/subjects", admin, "application/json",
                ("{\"id\": \"howard-u\", \"displayName\": \"Howard\", \"consent\": {\"legalBasis\": \"explicit-consent\","
                        + " \"purpose\": \"building access\"}}").getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(201);

        Path spool = Files.createDirectory(dir.resolve("tmp"));
        String tmpdir = System.getProperty("java.io.tmpdir");
        List<String> created = new ArrayList<>();
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            WatchKey key = spool.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            System.setProperty("java.io.tmpdir", spool.toString());
            try {
                expect(post("/api/v1/search", analyst, "image/png", howard), 200);
                expect(post("/api/v1/search", analyst, "image/jpeg", FacePhotos.asJpeg(howard)), 200);
                Multipart one = new Multipart().image("image", howard);
                expect(post("/api/v1/search", analyst, one.contentType(), one.body()), 200);
                Multipart pair = new Multipart().image("a", howard).image("b", sheldon);
                expect(post("/api/v1/verify", analyst, pair.contentType(), pair.body()), 200);
                Multipart two = new Multipart().image("image", howard).image("image", FacePhotos.bbt("howard", 15));
                expect(post("/api/v1/subjects/howard-u/images", admin, two.contentType(), two.body()), 201);
                Multipart annotate = new Multipart().image("image", sheldon);
                expect(post("/api/v1/annotate", analyst, annotate.contentType(), annotate.body()), 200);

                // Close to the limit, as the body and as a part: read whole, decoded, no face in the noise.
                expect(post("/api/v1/search", analyst, "image/png", large), 422);
                Multipart big = new Multipart().image("image", large);
                assertThat((long) big.body().length).isLessThan(MAX_BODY);
                expect(post("/api/v1/search", analyst, big.contentType(), big.body()), 422);
                // Over the limit: refused, and not parked on disk on the way either.
                Multipart over = new Multipart().image("image", large).image("image", large);
                assertThat((long) over.body().length).isGreaterThan(MAX_BODY);
                refusedAsTooLarge(() -> post("/api/v1/search", analyst, over.contentType(), over.body()));
            } finally {
                System.setProperty("java.io.tmpdir", tmpdir);
            }
            // inotify reports asynchronously: drain what arrives within a few seconds of the last request.
            WatchKey signalled = watch.poll(5, TimeUnit.SECONDS);
            while (signalled != null) {
                for (WatchEvent<?> event : signalled.pollEvents()) {
                    created.add(event.kind().name() + " " + event.context());
                }
                signalled.reset();
                signalled = watch.poll(1, TimeUnit.SECONDS);
            }
            assertThat(key.isValid()).isTrue();
        }
        assertThat(created).as("files written while photos were uploaded").isEmpty();
        try (var files = Files.list(spool)) {
            assertThat(files).isEmpty();
        }
    }

    /**
     * 413, or the connection closed under a client still writing the rest of a body the server had
     * already refused (the server answers 413 on the declared length and closes; which the client
     * sees first is a race). ApiServerTest checks the 413 itself on a body small enough to be sent whole.
     */
    private static void refusedAsTooLarge(java.util.concurrent.Callable<HttpResponse<byte[]>> request) throws Exception {
        try {
            expect(request.call(), 413);
        } catch (java.io.IOException closedWhileSending) {
            assertThat(closedWhileSending).hasMessageContaining("header parser received no bytes");
        }
    }

    private static void expect(HttpResponse<byte[]> response, int status) throws Exception {
        String body = response.headers().firstValue("Content-Type").orElse("").startsWith("application/json")
                ? new String(response.body(), StandardCharsets.UTF_8) : response.body().length + " bytes";
        assertThat(response.statusCode()).as(body).isEqualTo(status);
        if (status == 422) {
            JsonNode json = ApiRequests.json(response);
            assertThat(json.get("error").asText()).isEqualTo("no_face");
        }
    }

    /** A PNG of random pixels: it does not compress, so its size is about width x height x 3 bytes. */
    private static byte[] noisePng(int width, int height) throws Exception {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Random random = new Random(7);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private static HttpResponse<byte[]> post(String path, IssuedKey key, String contentType, byte[] body) throws Exception {
        return ApiRequests.send(server.port(), "POST", path, key, contentType, body);
    }
}
