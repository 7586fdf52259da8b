package io.biostream.launcher.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** The loopback address every embedded service binds to, and free ports on it. */
public final class Loopback {

    /** Literal IPv4 loopback: "localhost" may resolve to ::1 or to several addresses. */
    public static final String HOST = "127.0.0.1";

    private Loopback() {
    }

    /**
     * A port that is free on 127.0.0.1 right now. For services that must know their port before
     * they start (a static Kafka quorum, Flink's queryable-state ports); another process may take
     * it in the short window before the service binds it, which then fails loudly.
     */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + HOST, e);
        }
    }
}
