package io.biostream.operators.functions;

import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.DataKeyUnavailableException;
import io.biostream.operators.crypto.KeyStoreUnavailableException;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.records.SightingUpdate;
import io.biostream.operators.state.IdentityStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.state.StateSeal;
import io.biostream.schemas.Sighting;
import io.biostream.schemas.Sightings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per subject (keyed by subject id): the queryable {@value QueryableStateNames#SUBJECT_SIGHTINGS}
 * state, the newest {@value QueryableStateNames#MAX_SIGHTINGS} matches first with the count of all;
 * an erasure clears it and tombstones the templates of the sightings it held in the templates
 * topic (their ciphertexts are unreadable already: the subject's key is destroyed). A sighting
 * older than the retention drops out (processing-time sweeps, at most one a minute per subject:
 * queryable state cannot have a state TTL); a subject with none left leaves state. The value is
 * sealed ({@link StateSeal}); a key-store outage skips an update (logged) rather than fail the job.
 */
public class SubjectSightingsFunction extends KeyedProcessFunction<String, SightingUpdate, Outbound> {
    private static final Logger LOG = LoggerFactory.getLogger(SubjectSightingsFunction.class);
    private final String templatesTopic;
    private final long retentionMs;
    private final CryptoConfig crypto;
    private transient ValueState<byte[]> sightings;
    private transient TemplateKeyRing keys;
    private transient StateSeal seal;

    /**
     * @param retention how long a sighting is kept
     * @param crypto    the key hierarchy the state is sealed under ({@link StateSeal})
     */
    public SubjectSightingsFunction(String templatesTopic, Duration retention, CryptoConfig crypto) {
        this.templatesTopic = templatesTopic;
        this.retentionMs = retention.toMillis();
        this.crypto = crypto;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        ValueStateDescriptor<byte[]> descriptor = QueryableStateNames.subjectSightingsDescriptor();
        descriptor.setQueryable(QueryableStateNames.SUBJECT_SIGHTINGS);
        sightings = getRuntimeContext().getState(descriptor);
        keys = crypto.openKeyRing();
        seal = new StateSeal(keys);
    }

    @Override
    public void close() throws Exception {
        if (keys != null) {
            keys.close();
        }
    }

    @Override
    public void processElement(SightingUpdate update, Context ctx, Collector<Outbound> out) throws Exception {
        try {
            process(update, ctx, out);
        } catch (DataKeyUnavailableException | KeyStoreUnavailableException e) { // a key-store outage must not fail the job
            LOG.error("subject {}: sightings not updated ({}): {}", update.subjectId, update.erased ? "erasure" : "a match",
                    e.toString());
        }
    }

    private void process(SightingUpdate update, Context ctx, Collector<Outbound> out) throws Exception {
        if (update.erased) {
            byte[] held = sightings.value();
            Optional<Sightings> open = held == null ? Optional.empty() : IdentityStateCodec.openSightings(seal, update.subjectId, held);
            if (open.isPresent()) {
                long now = ctx.timerService().currentProcessingTime();
                for (Sighting s : open.get().getSightings()) {
                    out.collect(new Outbound(templatesTopic, s.getFaceId().getBytes(StandardCharsets.UTF_8), null, now));
                }
            }
            sightings.clear();
            return;
        }
        byte[] bytes = sightings.value();
        Sightings current = (bytes == null ? Optional.<Sightings>empty() : IdentityStateCodec.openSightings(seal, update.subjectId, bytes))
                .orElseGet(() -> new Sightings(update.subjectId, new ArrayList<>(), 0L));
        Sighting sighting = new Sighting(update.cameraId, update.sequence, update.faceId,
                Instant.ofEpochMilli(update.timeMillis), update.distance);
        sightings.update(IdentityStateCodec.sealSightings(seal, update.subjectId,
                withSighting(current, sighting, QueryableStateNames.MAX_SIGHTINGS)));
        long due = ctx.timerService().currentProcessingTime() + retentionMs;
        ctx.timerService().registerProcessingTimeTimer((due / CameraIndexFunction.SWEEP_GRANULARITY_MS + 1) * CameraIndexFunction.SWEEP_GRANULARITY_MS);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Outbound> out) throws Exception {
        byte[] bytes = sightings.value();
        if (bytes == null) {
            return;
        }
        Optional<Sightings> open;
        try {
            open = IdentityStateCodec.openSightings(seal, ctx.getCurrentKey(), bytes);
        } catch (DataKeyUnavailableException | KeyStoreUnavailableException e) { // try again in a minute
            ctx.timerService().registerProcessingTimeTimer(timestamp + CameraIndexFunction.SWEEP_GRANULARITY_MS);
            return;
        }
        if (open.isEmpty()) { // its key is gone: older than any retention
            sightings.clear();
            return;
        }
        Sightings current = open.get();
        List<Sighting> kept = current.getSightings().stream()
                .filter(s -> s.getTime().toEpochMilli() + retentionMs > timestamp).toList();
        if (kept.isEmpty()) {
            sightings.clear();
        } else if (kept.size() < current.getSightings().size()) {
            sightings.update(IdentityStateCodec.sealSightings(seal, ctx.getCurrentKey(),
                    new Sightings(current.getSubjectId(), new ArrayList<>(kept), current.getTotal())));
        }
    }

    /** Adds a sighting, newest first (by time; among equal times the later arrival first), keeping at most {@code limit}. */
    static Sightings withSighting(Sightings current, Sighting sighting, int limit) {
        List<Sighting> list = new ArrayList<>(current.getSightings());
        int at = 0;
        while (at < list.size() && list.get(at).getTime().isAfter(sighting.getTime())) {
            at++;
        }
        if (at < limit) {
            list.add(at, sighting);
        }
        if (list.size() > limit) {
            list = new ArrayList<>(list.subList(0, limit));
        }
        return new Sightings(current.getSubjectId(), list, current.getTotal() + 1);
    }
}
