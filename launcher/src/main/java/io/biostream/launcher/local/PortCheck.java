package io.biostream.launcher.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;

/**
 * Checks, before anything is started, that the fixed ports a start will listen on are free on
 * 127.0.0.1: a taken port then stops the start with its name and the setting that changes it,
 * instead of a BindException from deep inside Flink or Jetty after the broker is already up.
 */
public final class PortCheck {

    /** A port a start will listen on; 0 means "any free port" and is not checked. */
    public record Listener(String what, int port, String setting) {}

    /** Thrown when a listener's port is taken; its message names the port and the setting. */
    public static final class PortInUseException extends IllegalStateException {
        private final Listener listener;

        PortInUseException(Listener listener, IOException cause) {
            super("port " + listener.port() + " on " + Loopback.HOST + " (" + listener.what() + ") is already in use: "
                    + "stop what holds it, or choose another port with --" + listener.setting() + "=N", cause);
            this.listener = listener;
        }

        public Listener listener() {
            return listener;
        }
    }

    private PortCheck() {}

    public static void requireFree(List<Listener> listeners) {
        for (Listener listener : listeners) {
            if (listener.port() == 0) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getByName(Loopback.HOST), listener.port()), 1);
            } catch (IOException e) {
                throw new PortInUseException(listener, e);
            }
        }
    }
}
