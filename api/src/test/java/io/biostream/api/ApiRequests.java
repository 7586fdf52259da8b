package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.auth.IssuedKey;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** HTTP requests to a test's API server on 127.0.0.1, and its JSON answers; every answer is checked against the OpenAPI document. */
final class ApiRequests {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ApiRequests() {}

    /** One request; no content type or key when null. */
    static HttpResponse<byte[]> send(int port, String method, String path, IssuedKey key, String contentType, byte[] body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(120))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (key != null) {
            request.header("Authorization", "Bearer " + key.plaintext());
        }
        // A client per request: a server that refuses a large body closes the connection, and a
        // pooled connection closed that way fails the next request with "received no bytes".
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return send(client, request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Sends {@code request}; the answer is checked against the OpenAPI document ({@link OpenApiConformance}). */
    static <T> HttpResponse<T> send(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> body)
            throws IOException, InterruptedException {
        HttpResponse<T> response = client.send(request, body);
        OpenApiConformance.check(request, response);
        return response;
    }

    /** The answer's JSON body, after checking that it is declared as JSON. */
    static JsonNode json(HttpResponse<byte[]> response) throws IOException {
        assertThat(response.headers().firstValue("Content-Type")).as(new String(response.body(), StandardCharsets.UTF_8))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        return JSON.readTree(response.body());
    }
}
