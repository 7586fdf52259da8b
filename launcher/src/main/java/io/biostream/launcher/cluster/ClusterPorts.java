package io.biostream.launcher.cluster;

import io.biostream.operators.config.PortCheck;
import io.biostream.operators.config.Settings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fixed ports of the cluster on one machine, all on 127.0.0.1. Each TaskManager slot has its
 * own queryable-state ports and metrics port (two TaskManagers share the host); a TaskManager
 * started in place of a dead one takes over its slot's ports. RPC and data ports of the
 * TaskManagers are picked free by Flink at start (on 127.0.0.1 too).
 */
public record ClusterPorts(int kafka, int rest, int jobManagerRpc, int blob, int api, int jobManagerMetrics,
                           List<TaskManagerPorts> taskManagers) {

    public static final String KAFKA_PORT = "biostream.cluster.kafka-port";
    public static final String METRICS_PORT = "biostream.cluster.metrics-port";
    public static final int TASK_MANAGERS = 2;

    /** One TaskManager slot's listeners: the queryable-state client proxy and server, the metrics. */
    public record TaskManagerPorts(int stateProxy, int stateServer, int metrics) {}

    public ClusterPorts {
        taskManagers = List.copyOf(taskManagers);
        Map<Integer, String> seen = new HashMap<>();
        for (PortCheck.Listener listener : listenersOf(kafka, rest, jobManagerRpc, blob, api, jobManagerMetrics, taskManagers)) {
            if (listener.port() <= 0 || listener.port() > 65_535) {
                throw new Settings.ConfigException(listener.setting(), "needs a port between 1 and 65535 for the "
                        + listener.what() + ", got " + listener.port());
            }
            String other = seen.putIfAbsent(listener.port(), listener.what());
            if (other != null) {
                throw new Settings.ConfigException(listener.setting(), "port " + listener.port() + " is given to both the "
                        + other + " and the " + listener.what());
            }
        }
    }

    /**
     * From the settings: Kafka 9092, Flink REST and web UI 8081, JobManager RPC 6123, blob server
     * 6124, API 7070, metrics 9249 (JobManager) and 9250, 9251 (TaskManagers), queryable-state
     * proxy 9069, 9070 and server 9067, 9068 (TaskManager 1, 2).
     */
    public static ClusterPorts from(Settings settings) {
        int proxy = port(settings, "queryable-state.proxy.ports", 9069);
        int server = port(settings, "queryable-state.server.ports", 9067);
        int metrics = port(settings, METRICS_PORT, 9249);
        List<TaskManagerPorts> tms = new ArrayList<>();
        for (int i = 0; i < TASK_MANAGERS; i++) {
            // server ports first: 9067, 9068 stay below the proxies' 9069, 9070
            tms.add(new TaskManagerPorts(proxy + i, server + i, metrics + 1 + i));
        }
        return new ClusterPorts(port(settings, KAFKA_PORT, 9092), port(settings, "rest.port", 8081),
                port(settings, "jobmanager.rpc.port", 6123), port(settings, "blob.server.port", 6124),
                port(settings, "api.port", 7070), metrics, tms);
    }

    private static int port(Settings settings, String key, int defaultPort) {
        return settings.getInt(key, defaultPort, 1, 65_535);
    }

    /** TaskManager slot {@code n}'s ports, 1-based. */
    public TaskManagerPorts taskManager(int n) {
        if (n < 1 || n > taskManagers.size()) {
            throw new IllegalArgumentException("no TaskManager " + n + " (1.." + taskManagers.size() + ")");
        }
        return taskManagers.get(n - 1);
    }

    /** Every port, with what listens on it and the setting that changes it, for {@link PortCheck}. */
    public List<PortCheck.Listener> listeners() {
        return listenersOf(kafka, rest, jobManagerRpc, blob, api, jobManagerMetrics, taskManagers);
    }

    /** The listeners of TaskManager slot {@code n} only. */
    public List<PortCheck.Listener> taskManagerListeners(int n) {
        TaskManagerPorts tm = taskManager(n);
        return List.of(
                new PortCheck.Listener("queryable-state proxy of TaskManager " + n, tm.stateProxy(), "queryable-state.proxy.ports"),
                new PortCheck.Listener("queryable-state server of TaskManager " + n, tm.stateServer(), "queryable-state.server.ports"),
                new PortCheck.Listener("Flink metrics of TaskManager " + n, tm.metrics(), METRICS_PORT));
    }

    private static List<PortCheck.Listener> listenersOf(int kafka, int rest, int rpc, int blob, int api, int metrics,
                                                         List<TaskManagerPorts> tms) {
        List<PortCheck.Listener> list = new ArrayList<>(List.of(
                new PortCheck.Listener("Kafka broker", kafka, KAFKA_PORT),
                new PortCheck.Listener("Flink web UI and REST API", rest, "rest.port"),
                new PortCheck.Listener("JobManager RPC", rpc, "jobmanager.rpc.port"),
                new PortCheck.Listener("JobManager blob server", blob, "blob.server.port"),
                new PortCheck.Listener("biostream API", api, "api.port"),
                new PortCheck.Listener("Flink metrics of the JobManager", metrics, METRICS_PORT)));
        for (int i = 0; i < tms.size(); i++) {
            TaskManagerPorts tm = tms.get(i);
            int n = i + 1;
            list.add(new PortCheck.Listener("queryable-state proxy of TaskManager " + n, tm.stateProxy(), "queryable-state.proxy.ports"));
            list.add(new PortCheck.Listener("queryable-state server of TaskManager " + n, tm.stateServer(), "queryable-state.server.ports"));
            list.add(new PortCheck.Listener("Flink metrics of TaskManager " + n, tm.metrics(), METRICS_PORT));
        }
        return list;
    }
}
