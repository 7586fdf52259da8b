package io.biostream.launcher.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One process of the cluster (broker, jobmanager, taskmanager-N, api): a JVM of its own, started
 * in its own session so it outlives the command that started it and no terminal signal reaches it,
 * its pid in var/cluster/run/ROLE.pid, its log in var/cluster/log/ROLE.log. Each carries
 * {@code -Dbiostream.cluster.role=ROLE -Dbiostream.cluster.var=DIR} on its command line, so a pid
 * file is only trusted while its pid still runs that process (pids get reused).
 */
public record ClusterProcess(String role, ProcessHandle handle) {

    static final String ROLE_PROPERTY = "biostream.cluster.role";
    static final String VAR_PROPERTY = "biostream.cluster.var";
    /** How long a process gets to stop after SIGTERM before it is killed. */
    static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    public long pid() {
        return handle.pid();
    }

    public boolean isAlive() {
        return handle.isAlive();
    }

    /** The JVM options that mark a process as {@code role} of the cluster in {@code layout}. */
    static List<String> markers(ClusterLayout layout, String role) {
        return List.of("-D" + ROLE_PROPERTY + "=" + role, "-D" + VAR_PROPERTY + "=" + layout.varDir());
    }

    /**
     * Starts {@code java jvmOptions -cp classpath mainClass args}, stdin from /dev/null, stdout and
     * stderr appended to log/ROLE.out, and writes run/ROLE.pid.
     */
    static ClusterProcess start(ClusterLayout layout, String role, List<String> jvmOptions, List<Path> classpath,
                                String mainClass, List<String> args, Map<String, String> env) throws IOException {
        Files.createDirectories(layout.log());
        Files.createDirectories(layout.run());
        List<String> command = new ArrayList<>();
        // setsid: its own session, so Ctrl-C or a closed terminal after `cluster up` does not reach it.
        // (setsid execs in place: the pid stays the JVM's.)
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid");
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(markers(layout, role));
        command.add("-Dlog.file=" + layout.logFile(role));
        command.add("-Dlog4j.configurationFile=" + layout.conf().resolve("log4j.properties").toUri());
        command.addAll(jvmOptions);
        command.add("-classpath");
        command.add(String.join(File.pathSeparator, classpath.stream().map(Path::toString).toList()));
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(layout.varDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(layout.outFile(role).toFile()))
                .redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        Files.writeString(layout.pidFile(role), process.pid() + "\n", StandardCharsets.UTF_8);
        return new ClusterProcess(role, process.toHandle());
    }

    /** The process of {@code role} from its pid file, if that pid still runs it. */
    static Optional<ClusterProcess> find(ClusterLayout layout, String role) {
        return recordedPid(layout, role).flatMap(ProcessHandle::of)
                .filter(h -> isRole(h, layout, role))
                .map(h -> new ClusterProcess(role, h));
    }

    /** The pid in run/ROLE.pid, whether or not it still runs. */
    static Optional<Long> recordedPid(ClusterLayout layout, String role) {
        Path file = layout.pidFile(role);
        try {
            return Files.exists(file) ? Optional.of(Long.parseLong(Files.readString(file).trim())) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The roles that have a pid file, in start order (broker, jobmanager, taskmanagers, api). */
    static List<String> recordedRoles(ClusterLayout layout) throws IOException {
        if (!Files.isDirectory(layout.run())) {
            return List.of();
        }
        try (var files = Files.list(layout.run())) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".pid"))
                    .map(n -> n.substring(0, n.length() - 4))
                    .sorted((a, b) -> Integer.compare(startOrder(a), startOrder(b)) != 0
                            ? Integer.compare(startOrder(a), startOrder(b)) : a.compareTo(b))
                    .toList();
        }
    }

    private static int startOrder(String role) {
        if (role.equals("broker")) return 0;
        if (role.equals("jobmanager")) return 1;
        if (role.startsWith("taskmanager")) return 2;
        return 3;
    }

    private static boolean isRole(ProcessHandle handle, ClusterLayout layout, String role) {
        String commandLine = handle.info().commandLine().orElse("");
        return handle.isAlive() && markers(layout, role).stream().allMatch(commandLine::contains);
    }

    /**
     * Stops the processes: SIGTERM to all, then SIGKILL to any still running after
     * {@link #STOP_GRACE}; waits (bounded) until they are gone. Returns the ones that would not die.
     */
    static List<ClusterProcess> stop(List<ClusterProcess> processes, Duration grace) {
        List<CompletableFuture<ProcessHandle>> exits = new ArrayList<>();
        for (ClusterProcess p : processes) {
            p.handle().destroy();
            exits.add(p.handle().onExit());
        }
        await(exits, grace);
        List<ClusterProcess> stubborn = new ArrayList<>();
        List<CompletableFuture<ProcessHandle>> kills = new ArrayList<>();
        for (ClusterProcess p : processes) {
            if (p.isAlive()) {
                p.handle().destroyForcibly();
                kills.add(p.handle().onExit());
            }
        }
        await(kills, KILL_WAIT);
        for (ClusterProcess p : processes) {
            if (p.isAlive()) {
                stubborn.add(p);
            }
        }
        return stubborn;
    }

    private static void await(List<CompletableFuture<ProcessHandle>> exits, Duration timeout) {
        try {
            CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // timed out: the caller kills what is left
        }
    }

    /** The last lines of the process's log and output, for a start that failed. */
    static String tail(ClusterLayout layout, String role, int lines) {
        StringBuilder text = new StringBuilder();
        for (Path file : List.of(layout.outFile(role), layout.logFile(role))) {
            try {
                if (Files.exists(file)) {
                    List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
                    all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> text.append("\n  ").append(l));
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // the message without the tail
            }
        }
        return text.toString();
    }
}
