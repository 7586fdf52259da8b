package io.biostream.api;

import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.audit.AuditSink;
import io.biostream.schemas.AuditEvent;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * The API's own metrics in the Prometheus format at {@code GET /metrics} (role {@code monitor}):
 * requests by route template (never a concrete id: paths hold subject ids) and status, their
 * latency, requests refused before a handler ran (401, 403, 413, 429), how long audit writes take,
 * and the JVM's. One registry per server, so servers in one JVM (tests) do not mix.
 */
public final class ApiMetrics {
    /** The request attribute holding when the request arrived. */
    private static final String STARTED = "biostream.metrics.started";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder()
            .name("biostream_api_requests").help("API requests by method, route template and status")
            .labelNames("method", "route", "status").register(registry);
    private final Histogram latency = Histogram.builder()
            .name("biostream_api_request_duration_seconds").unit(Unit.SECONDS)
            .help("API request latency by method and route template").labelNames("method", "route")
            .classicOnly().register(registry);
    private final Counter refused = Counter.builder()
            .name("biostream_api_refused_requests").help("requests refused before their handler ran, by status")
            .labelNames("status").register(registry);
    private final Histogram auditWrites = Histogram.builder()
            .name("biostream_api_audit_write_duration_seconds").unit(Unit.SECONDS)
            .help("time to record one audit event durably").labelNames("outcome").classicOnly().register(registry);

    public ApiMetrics() {
        JvmMetrics.builder().register(registry);
    }

    /** Before every request: when it arrived. */
    void started(Context ctx) {
        ctx.attribute(STARTED, System.nanoTime());
    }

    /** After every request (also refused and failed ones): its count, status and latency. */
    void finished(Context ctx) {
        Long started = ctx.attribute(STARTED);
        String route = route(ctx);
        String status = Integer.toString(ctx.statusCode());
        requests.labelValues(ctx.method().name(), route, status).inc();
        if (started != null) {
            latency.labelValues(ctx.method().name(), route).observe((System.nanoTime() - started) / 1e9);
        }
    }

    /** A request refused by access control or the size limit, before any handler. */
    void refused(int status) {
        refused.labelValues(Integer.toString(status)).inc();
    }

    /** The route template the request matched, or "unmatched" (a 404): never the concrete path. */
    static String route(Context ctx) {
        Endpoint matched;
        try {
            matched = ctx.endpoints().matchedHttpEndpoint();
        } catch (RuntimeException e) { // no HTTP endpoint matched the request
            matched = null;
        }
        return matched == null ? "unmatched" : matched.path;
    }

    /** The audit sink, timing each write. */
    public AuditSink timed(AuditSink sink) {
        return new AuditSink() {
            @Override
            public AuditEvent record(AuditEntry entry) {
                long start = System.nanoTime();
                String outcome = "failed";
                try {
                    AuditEvent event = sink.record(entry);
                    outcome = "recorded";
                    return event;
                } finally {
                    auditWrites.labelValues(outcome).observe((System.nanoTime() - start) / 1e9);
                }
            }
        };
    }

    /** {@code GET /metrics}. */
    void serve(Context ctx) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        ctx.contentType(PrometheusTextFormatWriter.CONTENT_TYPE).result(out.toByteArray());
    }
}
