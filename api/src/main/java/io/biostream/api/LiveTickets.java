package io.biostream.api;

import io.biostream.api.auth.ApiKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One-use tickets for the live WebSocket: a browser cannot set Authorization on a WebSocket, so an
 * authenticated {@code POST /api/v1/live/tickets} gets a ticket that goes in the connection's
 * query. A ticket is 256 random bits, kept only in memory and only as its SHA-256, bound to the
 * key that asked for it (its roles and permissions as they were then), usable once and only until
 * it expires.
 */
final class LiveTickets {
    /** Outstanding tickets at most; past it the oldest is forgotten (a flood cannot grow memory). */
    static final int MAX_OUTSTANDING = 10_000;
    private static final int TICKET_BYTES = 32;

    record Issued(String ticket, Instant expires) {}

    private record Entry(ApiKey key, Instant expires) {}

    private final SecureRandom random = new SecureRandom();
    private final Duration ttl;
    private final Clock clock;
    /** SHA-256 of the ticket (hex) -> what it grants; in issue order. Guarded by this. */
    private final LinkedHashMap<String, Entry> outstanding = new LinkedHashMap<>();

    LiveTickets(Duration ttl, Clock clock) {
        this.ttl = ttl;
        this.clock = clock;
    }

    Duration ttl() {
        return ttl;
    }

    synchronized Issued issue(ApiKey key) {
        byte[] secret = new byte[TICKET_BYTES];
        random.nextBytes(secret);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Instant expires = clock.instant().plus(ttl);
        dropExpired();
        if (outstanding.size() >= MAX_OUTSTANDING) {
            outstanding.remove(outstanding.keySet().iterator().next());
        }
        outstanding.put(hash(ticket), new Entry(key, expires));
        return new Issued(ticket, expires);
    }

    /** The key a ticket was issued to, once: a ticket that is unknown, used already or expired gives nothing. */
    synchronized Optional<ApiKey> redeem(String ticket) {
        if (ticket == null || ticket.isEmpty() || ticket.length() > 128) {
            return Optional.empty();
        }
        Entry entry = outstanding.remove(hash(ticket));
        if (entry == null || !clock.instant().isBefore(entry.expires())) {
            return Optional.empty();
        }
        return Optional.of(entry.key());
    }

    synchronized int outstanding() {
        return outstanding.size();
    }

    private void dropExpired() {
        Instant now = clock.instant();
        outstanding.values().removeIf(e -> !now.isBefore(e.expires()));
    }

    private static String hash(String ticket) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ticket.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    static Map<String, Object> answer(Issued issued, Duration ttl) {
        return Map.of("ticket", issued.ticket(), "expiresInSeconds", ttl.toSeconds());
    }
}
