package io.biostream.api.state;

import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;

/**
 * What a failed queryable-state query means. The proxy sends server-side failures as a
 * RuntimeException whose message is the stringified original (the original classes live in
 * flink-runtime, not on the client), so they are recognised by class name in that text.
 */
enum StateQueryFailure {
    /** The state exists but holds nothing for this key. */
    NO_VALUE_FOR_KEY,
    /**
     * The proxy knows no location for the state: the job has not registered it yet (starting,
     * restarting) or, indistinguishably for the proxy (UnknownLocationException), no such job runs.
     * Worth retrying until a deadline.
     */
    NOT_REGISTERED,
    /** The job manager reports the job id as unknown. */
    JOB_NOT_FOUND,
    /** No connection to the proxy. */
    PROXY_UNREACHABLE,
    /** Anything else. */
    OTHER;

    private static final int MAX_CAUSES = 20;

    static StateQueryFailure classify(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_CAUSES; depth++, t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof ClosedChannelException) {
                return PROXY_UNREACHABLE;
            }
            String text = t.getClass().getName() + ": " + t.getMessage();
            if (text.contains("UnknownKeyOrNamespaceException")) {
                return NO_VALUE_FOR_KEY;
            }
            if (text.contains("UnknownLocationException") || text.contains("UnknownKvStateLocation")
                    || text.contains("No KvStateLocation found")
                    || text.contains("UnknownKvStateIdException")
                    || text.contains("UnknownKvStateKeyGroupLocationException")) {
                return NOT_REGISTERED;
            }
            if (text.contains("FlinkJobNotFoundException") || text.contains("Could not find Flink job")) {
                return JOB_NOT_FOUND;
            }
        }
        return OTHER;
    }
}
