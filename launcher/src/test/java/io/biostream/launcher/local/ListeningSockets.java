package io.biostream.launcher.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The TCP sockets this JVM listens on, read from Linux's /proc: the kernel's table of TCP sockets
 * (/proc/net/tcp, tcp6), restricted to the socket inodes among this process's open files.
 */
public final class ListeningSockets {

    private static final String LISTEN = "0A";
    private static final Pattern SOCKET_LINK = Pattern.compile("socket:\\[(\\d+)]");

    private ListeningSockets() {
    }

    public static boolean supported() {
        return Files.isReadable(Path.of("/proc/self/net/tcp")) && Files.isDirectory(Path.of("/proc/self/fd"));
    }

    /** Local addresses of every listening TCP socket this process holds. */
    public static List<InetSocketAddress> ofThisProcess() throws IOException {
        return ofProcess("self");
    }

    /** Local addresses of every listening TCP socket of another process of this user (a cluster's JVM). */
    public static List<InetSocketAddress> ofProcess(long pid) throws IOException {
        return ofProcess(Long.toString(pid));
    }

    private static List<InetSocketAddress> ofProcess(String proc) throws IOException {
        Set<String> inodes = socketInodes(proc);
        List<InetSocketAddress> listening = new ArrayList<>();
        for (String table : List.of("/proc/" + proc + "/net/tcp", "/proc/" + proc + "/net/tcp6")) {
            Path path = Path.of(table);
            if (!Files.isReadable(path)) {
                continue;
            }
            List<String> lines = Files.readAllLines(path);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                if (f.length > 9 && LISTEN.equals(f[3]) && inodes.contains(f[9])) {
                    listening.add(parseAddress(f[1]));
                }
            }
        }
        return listening;
    }

    private static Set<String> socketInodes(String proc) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + proc + "/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    Matcher m = SOCKET_LINK.matcher(Files.readSymbolicLink(fd).toString());
                    if (m.matches()) {
                        inodes.add(m.group(1));
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor was closed between listing and reading
                }
            }
        }
        return inodes;
    }

    /** "0100007F:1F90" (IPv4) or 32 hex digits ":port" (IPv6), each 32-bit word in host byte order. */
    static InetSocketAddress parseAddress(String hex) throws UnknownHostException {
        String[] hostPort = hex.split(":");
        String host = hostPort[0];
        byte[] address = new byte[host.length() / 2];
        for (int word = 0; word < address.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int hexAt = word * 8 + (3 - b) * 2; // little-endian within each word
                address[word * 4 + b] = (byte) Integer.parseInt(host.substring(hexAt, hexAt + 2), 16);
            }
        }
        return new InetSocketAddress(InetAddress.getByAddress(address), Integer.parseInt(hostPort[1], 16));
    }
}
