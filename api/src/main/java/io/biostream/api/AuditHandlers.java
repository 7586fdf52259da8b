package io.biostream.api;

import io.biostream.api.audit.AuditReader;
import io.biostream.api.audit.IncrementalAuditVerifier;
import io.biostream.operators.audit.AuditVerification;
import io.biostream.operators.audit.AuditVerifier;
import io.javalin.http.Context;

/** Routes under /api/v1/audit: page through the trail, and verify it end to end. */
final class AuditHandlers {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final AuditReader reader;
    private final IncrementalAuditVerifier verifier;

    AuditHandlers(AuditReader reader, AuditVerifier verifier) {
        this.reader = reader;
        this.verifier = new IncrementalAuditVerifier(reader, verifier);
    }

    /** GET /api/v1/audit?from=POSITION&amp;limit=N */
    void list(Context ctx) {
        long from = number(ctx, "from", 0, 0, Long.MAX_VALUE);
        int limit = (int) number(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        ctx.json(AuditJson.page(from, reader.read(from, limit)));
    }

    /**
     * GET /api/v1/audit/verify[?full=true]: recomputes the chain and its signatures from the last
     * signed checkpoint verified before (the whole trail with {@code full=true}), reporting the
     * first bad event not accounted for by a signed break, and the breaks.
     */
    void verify(Context ctx) {
        String full = ctx.queryParam("full");
        if (full != null && !full.equals("true") && !full.equals("false")) {
            throw ApiError.badRequest("invalid_full", "full must be true or false");
        }
        AuditVerification result = verifier.verify("true".equals(full));
        ctx.json(AuditJson.verification(result));
    }

    private static long number(Context ctx, String name, long fallback, long min, long max) {
        String text = ctx.queryParam(name);
        if (text == null || text.isEmpty()) {
            return fallback;
        }
        try {
            long value = Long.parseLong(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.badRequest("invalid_paging", name + " must be a whole number from " + min + " to "
                + (max == Long.MAX_VALUE ? "any" : Long.toString(max)));
    }
}
