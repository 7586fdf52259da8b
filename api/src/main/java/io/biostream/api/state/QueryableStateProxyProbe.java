package io.biostream.api.state;

import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.queryablestate.client.QueryableStateClient;

/**
 * Whether a Flink queryable-state proxy answers on a host and port. A MiniCluster only logs it
 * when its proxy cannot bind the port it was given (another socket took it between the port's
 * probe and the bind), and then every query fails as "not ready" for good; so whoever starts one
 * asks, after start, for the state of a job that does not exist: only a Flink proxy answers that
 * with a failure naming the job.
 */
public final class QueryableStateProxyProbe {

    private QueryableStateProxyProbe() {}

    public static boolean answers(String host, int port, Duration timeout) throws InterruptedException {
        JobID nowhere = new JobID();
        QueryableStateClient client;
        try {
            client = new QueryableStateClient(host, port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(host + " does not resolve", e);
        }
        try {
            client.getKvState(nowhere, "biostream-proxy-probe", 0, Types.INT, new ValueStateDescriptor<>("probe", Types.INT))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true; // no job has this id; an answer at all still comes from a proxy
        } catch (ExecutionException e) {
            return mentions(e, nowhere.toString());
        } catch (TimeoutException e) {
            return false;
        } finally {
            client.shutdownAndWait();
        }
    }

    private static boolean mentions(Throwable failure, String text) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }
}
