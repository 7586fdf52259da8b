package io.biostream.operators.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A client of the API's live endpoint (/api/v1/live) over a real WebSocket (java.net.http), shared by
 * the API's and the launcher's tests: collects the server's messages
 * and its close code. A client made with {@code reading = false} asks for no message until
 * {@link #startReading} (the JDK client then stops reading from the socket: a slow client).
 */
public final class LiveSocket implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final LinkedBlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final WebSocket socket;
    private volatile boolean reading;

    private LiveSocket(String url, boolean reading) throws Exception {
        this.reading = reading;
        this.socket = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create(url), new Listener()).get(20, TimeUnit.SECONDS);
    }

    /** Connects to {@code ws://127.0.0.1:port/api/v1/live?ticket=...} (no ticket parameter when null). */
    public static LiveSocket open(int port, String ticket, boolean reading) throws Exception {
        String url = "ws://127.0.0.1:" + port + "/api/v1/live" + (ticket == null ? "" : "?ticket=" + ticket);
        return new LiveSocket(url, reading);
    }

    public static LiveSocket open(int port, String ticket) throws Exception {
        return open(port, ticket, true);
    }

    public void send(String text) throws Exception {
        socket.sendText(text, true).get(10, TimeUnit.SECONDS);
    }

    /** Sends a subscription and waits for its acknowledgement. */
    public void subscribe(String channel, String... cameraIds) throws Exception {
        StringBuilder ids = new StringBuilder();
        for (String id : cameraIds) {
            ids.append(ids.length() == 0 ? "" : ",").append('"').append(id).append('"');
        }
        send("{\"type\":\"subscribe\",\"channel\":\"" + channel + "\""
                + (cameraIds.length == 0 ? "" : ",\"cameraIds\":[" + ids + "]") + "}");
        JsonNode ack = await(m -> m.path("type").asText().equals("subscribed")
                || m.path("type").asText().equals("error"), Duration.ofSeconds(10))
                .orElseThrow(() -> new AssertionError("no answer to the subscription to " + channel));
        if (!ack.path("type").asText().equals("subscribed")) {
            throw new AssertionError("subscription to " + channel + " refused: " + ack);
        }
    }

    /** The next message that matches, skipping the others, or empty after {@code timeout}. */
    public Optional<JsonNode> await(Predicate<JsonNode> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (long left = timeout.toNanos(); left > 0; left = deadline - System.nanoTime()) {
            JsonNode next = messages.poll(left, TimeUnit.NANOSECONDS);
            if (next != null && wanted.test(next)) {
                return Optional.of(next);
            }
        }
        return Optional.empty();
    }

    public Optional<JsonNode> awaitType(String type, Duration timeout) throws InterruptedException {
        return await(m -> m.path("type").asText().equals(type), timeout);
    }

    /** Everything received and not yet taken. */
    public List<JsonNode> drain() {
        List<JsonNode> out = new java.util.ArrayList<>();
        messages.drainTo(out);
        return out;
    }

    /** The close code the server sent, or empty when the socket is still open after {@code timeout}. */
    public Optional<Integer> closeCode(Duration timeout) {
        try {
            return Optional.of(closeCode.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (java.util.concurrent.TimeoutException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A client made without reading starts taking messages. */
    public void startReading() {
        reading = true;
        socket.request(Long.MAX_VALUE);
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null);
        }
        socket.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(WebSocket webSocket) {
            if (reading) {
                webSocket.request(Long.MAX_VALUE);
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    messages.add(JSON.readTree(partial.toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                partial.setLength(0);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeCode.completeExceptionally(error);
        }
    }
}
