package io.biostream.api;

import java.time.Duration;

/**
 * Settings of the live WebSocket endpoint {@code /api/v1/live} (docs/operations.md, {@code api.live.*}).
 *
 * @param maxClients connections served at once; one more is closed with 1013 (try again later)
 * @param queueSize  messages waiting per client; beyond it the oldest is dropped and counted
 * @param heartbeat  how often each client gets a {@code heartbeat} message
 * @param ticketTtl  how long a ticket from {@code POST /api/v1/live/tickets} may be used
 * @param videoFps   frames per second of a video view unless the client asks for fewer (at most {@link #MAX_VIDEO_FPS})
 */
public record LiveConfig(int maxClients, int queueSize, Duration heartbeat, Duration ticketTtl, int videoFps) {
    public static final String MAX_CLIENTS = "api.live.max-clients";
    public static final String QUEUE_SIZE = "api.live.queue-size";
    public static final String HEARTBEAT = "api.live.heartbeat";
    public static final String TICKET_TTL = "api.live.ticket-ttl";
    public static final String VIDEO_FPS = "api.live.video-fps";
    public static final int MAX_VIDEO_FPS = 5;

    public LiveConfig {
        require(maxClients >= 1 && maxClients <= 10_000, MAX_CLIENTS + " must be between 1 and 10000, got " + maxClients);
        require(queueSize >= 1 && queueSize <= 65_536, QUEUE_SIZE + " must be between 1 and 65536, got " + queueSize);
        require(heartbeat != null && heartbeat.compareTo(Duration.ofMillis(100)) >= 0 && heartbeat.compareTo(Duration.ofMinutes(5)) <= 0,
                HEARTBEAT + " must be between 100 ms and 5 min, got " + heartbeat);
        require(ticketTtl != null && ticketTtl.compareTo(Duration.ofSeconds(1)) >= 0 && ticketTtl.compareTo(Duration.ofMinutes(5)) <= 0,
                TICKET_TTL + " must be between 1 s and 5 min, got " + ticketTtl);
        require(videoFps >= 1 && videoFps <= MAX_VIDEO_FPS, VIDEO_FPS + " must be between 1 and " + MAX_VIDEO_FPS + ", got " + videoFps);
    }

    public static LiveConfig defaults() {
        return new LiveConfig(64, 256, Duration.ofSeconds(15), Duration.ofSeconds(30), 2);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid API configuration: " + message);
        }
    }
}
