package io.biostream.operators.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;

/**
 * Checks, before anything is started, that the fixed ports a start will listen on are free: a
 * taken port then stops the start with its name and the setting that changes it, instead of a
 * BindException from deep inside Flink or Jetty after the broker is already up.
 */
public final class PortCheck {
    /** Where local mode listens: the literal IPv4 loopback. */
    public static final String LOOPBACK = "127.0.0.1";

    /** A port a start will listen on; 0 means "any free port" and is not checked. */
    public record Listener(String what, int port, String setting) {}

    /** Thrown when a listener's port is taken; its message names the port and the setting. */
    public static final class PortInUseException extends IllegalStateException {
        private final Listener listener;

        PortInUseException(String host, Listener listener, IOException cause) {
            super("port " + listener.port() + " on " + host + " (" + listener.what() + ") is already in use: "
                    + "stop what holds it, or choose another port with --" + listener.setting() + "=N", cause);
            this.listener = listener;
        }

        public Listener listener() {
            return listener;
        }
    }

    private PortCheck() {}

    /** Checks the listeners' ports on 127.0.0.1. */
    public static void requireFree(List<Listener> listeners) {
        requireFree(LOOPBACK, listeners);
    }

    /** Checks the listeners' ports on {@code host}, the address they will bind. */
    public static void requireFree(String host, List<Listener> listeners) {
        for (Listener listener : listeners) {
            if (listener.port() == 0) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getByName(host), listener.port()), 1);
            } catch (IOException e) {
                throw new PortInUseException(host, listener, e);
            }
        }
    }

    /**
     * A failed start in one line: the message of the failure and of each cause, without repeating
     * one that a wrapper already quoted (the log has the stack).
     */
    public static String reason(Throwable failure) {
        StringBuilder reason = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (reason.indexOf(message) < 0) {
                reason.append(reason.length() == 0 ? "" : ": ").append(message);
            }
            if (t instanceof PortInUseException) {
                break; // names the port and the setting: the cause adds nothing
            }
        }
        return reason.toString();
    }
}
