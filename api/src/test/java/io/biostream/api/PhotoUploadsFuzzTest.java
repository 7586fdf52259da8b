package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.identity.ImageUploads;
import io.biostream.operators.FuzzSeedWriter;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile photo requests (multipart bodies, plain image bodies, any content type) against
 * ImageUploads as the photo routes use it, through Jetty's real request and multipart parsing on
 * one loopback server for all inputs, with the API's error handlers: each request is read into
 * photos named as the route asks, or refused with a 4xx JSON error; never a 5xx. Seeds:
 * {@code PhotoUploadsFuzzTestInputs/}; docs/fuzzing.md.
 */
class PhotoUploadsFuzzTest {
    private static final long MAX_BODY = 256 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MULTIPART = "multipart/form-data; boundary=" + FuzzSeedWriter.BOUNDARY;
    private static final List<String> CONTENT_TYPES = List.of(MULTIPART, "image/png", "image/jpeg", "text/plain",
            "multipart/form-data", "Multipart/Form-Data; boundary=\"" + FuzzSeedWriter.BOUNDARY + "\"; charset=utf-8");
    private static Javalin server;

    @BeforeAll
    static void start() {
        ImageUploads uploads = new ImageUploads(MAX_BODY);
        server = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.http.maxRequestSize = MAX_BODY;
            cfg.jsonMapper(new JavalinJackson(ApiServer.jsonMapper(), false));
            cfg.routes.post("/photos", ctx -> ctx.json(summary(uploads.read(ctx, List.of("image")))));
            cfg.routes.post("/pair", ctx -> ctx.json(summary(uploads.readOneEach(ctx, List.of("a", "b")))));
            ErrorHandlers.register(cfg.routes);
        }).start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(30)
    void photoRequestsAreReadOrRefusedWith4xx(FuzzedDataProvider data) throws IOException {
        boolean pair = data.consumeBoolean();
        int typeChoice = data.consumeInt(0, CONTENT_TYPES.size());
        String contentType = typeChoice < CONTENT_TYPES.size() ? CONTENT_TYPES.get(typeChoice)
                : data.consumeAsciiString(80).replaceAll("[^\\x20-\\x7e]", "?");
        byte[] body = data.consumeRemainingAsBytes();

        Answer answer = post(pair ? "/pair" : "/photos", contentType, body);

        assertThat(answer.status).as("status for %s: %s", contentType, answer.json).isBetween(200, 499);
        if (answer.status >= 400) {
            assertThat(answer.json.path("error").asText()).as("error code").isNotBlank();
            assertThat(answer.json.path("message").asText()).as("error message").isNotBlank();
        } else {
            List<String> names = JSON.convertValue(answer.json.get("parts"), JSON.getTypeFactory()
                    .constructCollectionType(List.class, String.class));
            if (pair) {
                assertThat(names).containsExactly("a", "b");
            } else {
                assertThat(names).isNotEmpty().hasSizeLessThanOrEqualTo(ImageUploads.MAX_PHOTOS).allMatch("image"::equals);
            }
            assertThat(answer.json.get("bytes").asLong()).isLessThanOrEqualTo(body.length);
        }
    }

    private static Map<String, Object> summary(List<ImageUploads.Upload> uploads) {
        return Map.of("parts", uploads.stream().map(u -> u.part() == null ? "image" : u.part()).toList(),
                "bytes", uploads.stream().mapToLong(u -> u.bytes().length).sum());
    }

    private record Answer(int status, JsonNode json) {}

    /** One HTTP/1.1 request on its own connection (closed after the answer), exactly as given. */
    private static Answer post(String path, String contentType, byte[] body) throws IOException {
        // Jazzer's request-forgery detector (active when fuzzing) allows exactly this connection.
        try (SilentCloseable loopbackOnly = BugDetectors.allowNetworkConnections(
                        (host, port) -> (host.equals("127.0.0.1") || host.equals("localhost")) && port == server.port());
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: " + contentType
                    + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            in.transferTo(response);
            String text = response.toString(StandardCharsets.UTF_8);
            assertThat(text).as("an HTTP answer").startsWith("HTTP/1.1 ");
            int status = Integer.parseInt(text.substring(9, 12));
            int start = text.indexOf('{', text.indexOf("\r\n\r\n"));
            int end = text.lastIndexOf('}');
            JsonNode json = start < 0 || end < start ? JSON.missingNode() : JSON.readTree(text.substring(start, end + 1));
            return new Answer(status, json);
        }
    }
}
