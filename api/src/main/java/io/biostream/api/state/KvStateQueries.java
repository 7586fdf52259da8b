package io.biostream.api.state;

import io.biostream.api.ApiConfig;
import io.biostream.api.state.StateUnavailableException.Reason;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.queryablestate.client.QueryableStateClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One String-keyed query to Flink's queryable-state proxy, as every state reader of the API makes
 * it: bounded by the configured timeout, retried with backoff while the job has not registered
 * the state yet (until a deadline), and each failure turned into a {@link StateUnavailableException}.
 */
final class KvStateQueries implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KvStateQueries.class);
    private static final int MAX_ATTEMPTS = 50;

    private final QueryableStateClient client;
    private final Supplier<Optional<JobID>> job;
    private final Duration queryTimeout;
    private final Duration retryDeadline;
    private final String proxy;

    KvStateQueries(ApiConfig config, Supplier<Optional<JobID>> job) {
        try {
            this.client = new QueryableStateClient(config.stateProxyHost(), config.stateProxyPort());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("invalid API configuration: " + ApiConfig.STATE_PROXY_HOST
                    + " '" + config.stateProxyHost() + "' does not resolve", e);
        }
        this.job = job;
        this.queryTimeout = config.stateQueryTimeout();
        this.retryDeadline = config.stateRetryDeadline();
        this.proxy = config.stateProxyHost() + ":" + config.stateProxyPort();
    }

    Duration retryDeadline() {
        return retryDeadline;
    }

    /** The state under {@code key}, or empty when the state holds nothing for that key. */
    <S extends State> Optional<S> query(String name, String key, StateDescriptor<S, ?> descriptor,
                                                Duration deadline) throws StateUnavailableException {
        JobID jobId = job.get().orElseThrow(() -> new StateUnavailableException(Reason.JOB_NOT_RUNNING,
                "the results job is not running (no job id known to the API)"));
        long deadlineNanos = System.nanoTime() + deadline.toNanos();
        Duration wait = Backoff.FIRST;
        for (int attempt = 1; ; attempt++) {
            CompletableFuture<S> future =
                    client.getKvState(jobId, name, key, BasicTypeInfo.STRING_TYPE_INFO, descriptor);
            try {
                return Optional.of(future.get(queryTimeout.toMillis(), TimeUnit.MILLISECONDS));
            } catch (TimeoutException e) {
                future.cancel(true);
                LOG.warn("state query {} timed out after {} ms (proxy {})", name, queryTimeout.toMillis(), proxy);
                throw new StateUnavailableException(Reason.TIMEOUT, "the results store did not answer in time", e);
            } catch (InterruptedException e) {
                future.cancel(true);
                Thread.currentThread().interrupt();
                throw new StateUnavailableException(Reason.FAILED, "the state query was interrupted", e);
            } catch (ExecutionException e) {
                StateQueryFailure failure = StateQueryFailure.classify(e.getCause());
                switch (failure) {
                    case NO_VALUE_FOR_KEY:
                        return Optional.empty();
                    case NOT_REGISTERED:
                        if (attempt < MAX_ATTEMPTS && System.nanoTime() + wait.toNanos() < deadlineNanos) {
                            sleep(wait);
                            wait = Backoff.next(wait);
                            continue;
                        }
                        throw new StateUnavailableException(Reason.NOT_READY,
                                "the results job is not running yet or has not registered its state; retry shortly",
                                e.getCause());
                    case JOB_NOT_FOUND:
                        LOG.warn("state query {}: job {} not found (proxy {})", name, jobId, proxy);
                        throw new StateUnavailableException(Reason.JOB_NOT_RUNNING,
                                "the results job is not running", e.getCause());
                    case PROXY_UNREACHABLE:
                        LOG.warn("state query {}: queryable-state proxy {} unreachable: {}", name, proxy,
                                e.getCause().toString());
                        throw new StateUnavailableException(Reason.UNREACHABLE,
                                "the results store (queryable-state proxy) is unreachable", e.getCause());
                    default:
                        LOG.warn("state query {} failed (proxy {}): {}", name, proxy, firstLine(e.getCause()));
                        LOG.debug("state query {} failure in full", name, e.getCause());
                        throw new StateUnavailableException(Reason.FAILED,
                                "the results store failed to answer", e.getCause());
                }
            }
        }
    }


    private static void sleep(Duration wait) throws StateUnavailableException {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateUnavailableException(Reason.FAILED, "the state query was interrupted", e);
        }
    }

    private static String firstLine(Throwable t) {
        String text = String.valueOf(t);
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }


    /** Doubling waits between retries, capped. */
    static final class Backoff {
        static final Duration FIRST = Duration.ofMillis(50);
        static final Duration MAX = Duration.ofSeconds(1);

        private Backoff() {}

        static Duration next(Duration wait) {
            Duration doubled = wait.multipliedBy(2);
            return doubled.compareTo(MAX) > 0 ? MAX : doubled;
        }
    }
    @Override
    public void close() {
        client.shutdownAndWait();
    }
}
