package io.biostream.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.biostream.api.audit.AuditTrail;
import io.biostream.api.audit.DeniedRequestAudit;
import io.biostream.api.auth.Access;
import io.biostream.api.auth.AccessControl;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.JwtVerifier;
import io.biostream.api.auth.RateLimiter;
import io.biostream.api.auth.Role;
import io.biostream.api.identity.IdentityServices;
import io.biostream.api.identity.ImageUploads;
import io.biostream.api.state.CameraStateReader;
import io.biostream.operators.audit.AuditSink;
import io.biostream.operators.crypto.TemplateCipher;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.json.JavalinJackson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP API (Javalin on Jetty): routes, access control and JSON errors. */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private static final Logger ACCESS_LOG = LoggerFactory.getLogger("io.biostream.api.access");

    private final Javalin app;
    private final List<Route> routes;

    private final DeniedRequestAudit denials;
    private final LiveHub live;
    /** The topic followers feeding the live endpoint, closed with the server. */
    private final List<AutoCloseable> feeds = new java.util.concurrent.CopyOnWriteArrayList<>();

    private ApiServer(Javalin app, List<Route> routes, DeniedRequestAudit denials, LiveHub live) {
        this.app = app;
        this.routes = routes;
        this.denials = denials;
        this.live = live;
    }

    /**
     * Starts the server without the identity services: the subject, search, session, config and
     * annotate routes answer 503 {@code identity_unavailable}.
     */
    public static ApiServer start(ApiConfig config, ApiKeyStore keys, CameraStateReader state, TemplateCipher cipher,
                                  AuditTrail audit) {
        return start(config, keys, state, cipher, audit, null);
    }

    /**
     * Starts the server on {@code config.host():config.port()}; returns once it accepts requests.
     * The audit trail receives every descriptor read, every refused request and every identity
     * action (enrollment, erasure, search, verification, session and configuration changes), and
     * serves the auditor routes.
     *
     * @param identity the identity services, or null to run without them (their routes answer 503)
     */
    public static ApiServer start(ApiConfig config, ApiKeyStore keys, CameraStateReader state, TemplateCipher cipher,
                                  AuditTrail audit, IdentityServices identity) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(cipher, "cipher");
        Objects.requireNonNull(audit, "audit");
        if (keys.isEmpty()) {
            LOG.warn("the API key store is empty: every /api request will be refused with 401");
        }
        ApiMetrics metrics = new ApiMetrics();
        AuditSink auditSink = metrics.timed(audit.sink());
        DeniedRequestAudit denials = new DeniedRequestAudit(auditSink);
        AccessControl access = new AccessControl(keys, jwtVerifier(config), new RateLimiter(config.rateLimit()), denials);
        HttpsConnector https = config.tls().enabled() ? HttpsConnector.open(config.tls()) : null;
        KeyHandlers keyRoutes = new KeyHandlers(keys, auditSink);
        HealthHandler health = new HealthHandler(state);
        CameraHandlers cameras = new CameraHandlers(state, cipher, auditSink);
        AuditHandlers auditRoutes = new AuditHandlers(audit.reader(), audit.verifier());
        IdentityRoutes identityRoutes = identity == null ? null
                : new IdentityRoutes(identity, new ImageUploads(config.maxRequestBodyBytes()), new IdentityAudit(auditSink));
        LiveHub live = new LiveHub(config.live(), state, watchlist(identity),
                key -> key.id().startsWith(JwtVerifier.ACTOR_PREFIX) || keys.find(key.id()).isPresent(), Optional::empty, auditSink, jsonMapper(),
                Clock.systemUTC());
        RouteTable table = routes(health, cameras, auditRoutes, keyRoutes, new CryptoHandlers(cipher.keys(), auditSink),
                identityRoutes, metrics, new OpenApiHandler(), live, new AnalyticsHandlers(state, Clock.systemUTC()),
                new DashboardHandler());
        Javalin app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = config.maxRequestBodyBytes();
            cfg.jsonMapper(new JavalinJackson(jsonMapper(), false));
            cfg.requestLogger.http(ApiServer::logAccess);
            if (https != null) {
                cfg.jetty.addConnector((server, http) -> https.connector(server, http, config.host(), config.port()));
            }
            filters(cfg.routes, config.maxRequestBodyBytes(), access, metrics);
            table.registerOn(cfg.routes);
            ErrorHandlers.register(cfg.routes);
        });
        try {
            app.start(config.host(), config.port());
        } catch (RuntimeException e) {
            live.close();
            throw e;
        }
        LOG.info("API listening on {}://{}:{}", https != null ? "https" : "http", config.host(), app.port());
        return new ApiServer(app, table.routes(), denials, live);
    }

    /**
     * Whether a subject is on the watchlist: its attribute {@code watchlist} is {@code true}
     * (docs/architecture.md, "Live API"). Without the identity services no subject is.
     */
    private static java.util.function.Predicate<String> watchlist(IdentityServices identity) {
        if (identity == null) {
            return subjectId -> false;
        }
        return subjectId -> identity.commands().ledger().subject(subjectId)
                .map(entry -> identity.commands().personalData(entry))
                .map(subject -> "true".equals(subject.getAttributes().get(LIVE_WATCHLIST_ATTRIBUTE)))
                .orElse(false);
    }

    /** The subject attribute that puts a subject on the watchlist when it is {@code "true"}. */
    public static final String LIVE_WATCHLIST_ATTRIBUTE = "watchlist";

    /**
     * Feeds the live endpoint: follows the results topic from its end, read_committed, for as long
     * as the server runs, and the frames topic from its end while a video view is open. Call once,
     * after start.
     */
    public void followTopics(io.biostream.operators.config.KafkaConnection kafka, io.biostream.operators.config.Topics topics) {
        io.biostream.operators.config.TopicFollower follower = io.biostream.operators.config.TopicFollower.tail(
                kafka, topics.results(), "biostream-api-live", record -> {
                    try {
                        live.result(io.biostream.schemas.WireFormat.decode(io.biostream.schemas.FrameResult.class, record.value()));
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("live: a record at {}-{}@{} is not a FrameResult: {}", record.topic(), record.partition(),
                                record.offset(), e.toString());
                    }
                });
        feeds.add(follower);
        follower.start();
        live.framesFrom(handler -> io.biostream.operators.config.TopicFollower.tail(kafka, topics.frames(),
                "biostream-api-video", record -> handler.accept(record.value())).start());
    }

    private static JwtVerifier jwtVerifier(ApiConfig config) {
        if (!config.jwt().enabled()) {
            return null;
        }
        try {
            return JwtVerifier.open(config.jwt(), Clock.systemUTC());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What runs around every route: metrics, size limit, access control, no caching of answers. */
    private static void filters(RoutesConfig routes, long maxBody, AccessControl access, ApiMetrics metrics) {
        routes.before(metrics::started);
        routes.before(ctx -> refusing(metrics, () -> refuseLargeBody(ctx, maxBody)));
        routes.beforeMatched(ctx -> refusing(metrics, () -> access.check(ctx)));
        routes.beforeMatched("/api/*", ctx -> ctx.header("Cache-Control", "no-store"));
        routes.after(metrics::finished);
    }

    /** Runs a check, counting its refusal (an ApiError) before passing it on. */
    private static void refusing(ApiMetrics metrics, Runnable check) {
        try {
            check.run();
        } catch (ApiError refused) {
            metrics.refused(refused.status());
            throw refused;
        }
    }

    /**
     * The route table: each route with the roles that may call it ({@link Access#PUBLIC}: no key).
     * {@link AccessControl#check} enforces it before the handler runs; RouteAccessTest checks
     * every row against every role.
     */
    static RouteTable routes(HealthHandler health, CameraHandlers cameras, AuditHandlers audit, KeyHandlers keys,
                             CryptoHandlers crypto, IdentityRoutes identity, ApiMetrics metrics, OpenApiHandler openApi,
                             LiveHub live, AnalyticsHandlers analytics, DashboardHandler dashboard) {
        RouteTable routes = new RouteTable();
        routes.get("/health", health::get, Access.PUBLIC);
        routes.get("/api/v1/openapi.json", openApi::serve, Access.PUBLIC);
        // The dashboard's static files: public, it holds no data; its calls carry the analyst's key.
        routes.get("/ui", dashboard::page, Access.PUBLIC);
        routes.get("/ui/{file}", dashboard::file, Access.PUBLIC);
        routes.get("/metrics", metrics::serve, Role.MONITOR);
        routes.get("/api/v1/cameras", cameras::list, Role.ANALYST);
        routes.get("/api/v1/cameras/{id}/latest", cameras::latest, Role.ANALYST);
        routes.get("/api/v1/analytics/cameras/{id}", analytics::camera, Role.ANALYST, Role.ADMIN);
        routes.get("/api/v1/audit", audit::list, Role.AUDITOR);
        routes.get("/api/v1/audit/verify", audit::verify, Role.AUDITOR);

        // API keys: the admin's.
        routes.post("/api/v1/keys", keys::create, Role.ADMIN);
        routes.get("/api/v1/keys", keys::list, Role.ADMIN);
        routes.delete("/api/v1/keys/{id}", keys::revoke, Role.ADMIN);
        routes.post("/api/v1/crypto/kek/rotate", crypto::rotateKek, Role.ADMIN);

        // Identity. Writes are the admin's; reads of subjects, sessions and settings are the
        // analyst's and the admin's; biometric work (search, verify, annotate, sightings) is the analyst's.
        Handler unavailable = ctx -> {
            throw new ApiError(503, "identity_unavailable", "this API runs without the identity services");
        };
        routes.post("/api/v1/subjects", identity == null ? unavailable : identity.subjects()::create, Role.ADMIN);
        routes.get("/api/v1/subjects", identity == null ? unavailable : identity.subjects()::list, Role.ANALYST, Role.ADMIN);
        routes.get("/api/v1/subjects/{id}", identity == null ? unavailable : identity.subjects()::get, Role.ANALYST, Role.ADMIN);
        routes.delete("/api/v1/subjects/{id}", identity == null ? unavailable : identity.subjects()::erase, Role.ADMIN);
        routes.post("/api/v1/subjects/{id}/images", identity == null ? unavailable : identity.enrollment()::enroll, Role.ADMIN);
        routes.get("/api/v1/subjects/{id}/sightings", identity == null ? unavailable : identity.subjects()::sightings, Role.ANALYST);
        routes.get("/api/v1/subjects/{id}/export", identity == null ? unavailable : identity.subjects()::export, Role.ADMIN);
        routes.post("/api/v1/search", identity == null ? unavailable : identity.matching()::search, Role.ANALYST);
        routes.post("/api/v1/verify", identity == null ? unavailable : identity.matching()::verify, Role.ANALYST);
        routes.post("/api/v1/annotate", identity == null ? unavailable : identity.annotate()::annotate, Role.ANALYST);
        routes.post("/api/v1/sessions", identity == null ? unavailable : identity.sessions()::start, Role.ADMIN);
        routes.get("/api/v1/sessions/{id}", identity == null ? unavailable : identity.sessions()::get, Role.ANALYST, Role.ADMIN);
        routes.post("/api/v1/sessions/{id}/end", identity == null ? unavailable : identity.sessions()::end, Role.ADMIN);
        routes.get("/api/v1/config", identity == null ? unavailable : identity.settings()::get, Role.ANALYST, Role.ADMIN);
        routes.put("/api/v1/config", identity == null ? unavailable : identity.settings()::put, Role.ADMIN);

        // Live: a ticket from an authenticated POST opens the WebSocket (browsers cannot send
        // Authorization there); each channel then checks the ticket's key's roles ("Live API").
        routes.post("/api/v1/live/tickets", live::issueTicket, LiveHub.TICKET_ROLES);
        routes.ws("/api/v1/live", live::configure, Access.PUBLIC);
        return routes;
    }

    /** Refuses a declared oversized body before anything reads it (Javalin also caps reads). */
    static void refuseLargeBody(Context ctx, long maxBody) {
        if (ctx.contentLength() > maxBody) {
            discardBody(ctx, DISCARD_LIMIT);
            throw new ApiError(413, "body_too_large", "the request body exceeds " + maxBody + " bytes");
        }
    }

    /** At most this much of a refused body is read and dropped before answering (see discardBody). */
    private static final long DISCARD_LIMIT = 64L << 20;

    /**
     * Reads and drops a refused body (up to {@code limit}, never kept): closing a connection with
     * unread bytes in it resets it, and the client, still writing, then never sees the 413.
     */
    private static void discardBody(Context ctx, long limit) {
        byte[] buffer = new byte[64 * 1024];
        long read = 0;
        try (java.io.InputStream in = ctx.req().getInputStream()) {
            for (int n; read < limit && (n = in.read(buffer)) > 0; ) {
                read += n;
            }
        } catch (IOException e) {
            // the client went away: nothing to answer
        }
    }

    static ObjectMapper jsonMapper() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    /** Method, path, status, time and key id: never headers, bodies or query strings. */
    private static void logAccess(Context ctx, Float millis) {
        ACCESS_LOG.info("{} {} {} {}ms key={}", ctx.method(), ctx.path(), ctx.statusCode(),
                Math.round(millis), AccessControl.callerId(ctx).orElse("-"));
    }

    public int port() {
        return app.port();
    }

    /** Every route this server answers, with its roles. */
    public List<Route> routes() {
        return routes;
    }

    /** {@code METHOD /path} of every HTTP endpoint Javalin registered (to check none skipped the table). */
    List<String> registeredEndpoints() {
        return app.unsafe.internalRouter.allHttpHandlers().stream()
                .map(parsed -> parsed.endpoint)
                .filter(endpoint -> endpoint.method.isHttpMethod())
                .map(endpoint -> endpoint.method.name() + " " + endpoint.path)
                .toList();
    }

    /** {@code GET /path} of every WebSocket endpoint Javalin registered (each needs a table row too). */
    List<String> registeredWebSockets() {
        return app.unsafe.internalRouter.allWsHandlers().stream().map(entry -> "GET " + entry.getPath()).toList();
    }

    /** Reports the pipeline job's status on the live {@code job} channel (without it: state UNKNOWN). */
    public void followJobStatus(java.util.function.Supplier<Optional<io.biostream.api.state.FlinkJobStatus.Status>> source) {
        live.jobStatusFrom(source);
    }

    /** The live endpoint (tests look at its clients). */
    LiveHub live() {
        return live;
    }

    /**
     * Stops serving: live clients get 1001 (going away) and the feeds stop first, then the HTTP
     * server; then records the refusals counted since the last aggregate audit event.
     */
    public void stop() {
        live.close();
        for (AutoCloseable feed : feeds) {
            try {
                feed.close();
            } catch (Exception e) {
                LOG.warn("stopping a live feed failed: {}", e.toString());
            }
        }
        app.stop();
        denials.close();
    }

    @Override
    public void close() {
        stop();
    }
}
