package io.biostream.operators.functions;

import io.biostream.operators.records.Outbound;
import io.biostream.operators.records.SightingUpdate;
import io.biostream.operators.state.IdentityStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.schemas.Sighting;
import io.biostream.schemas.Sightings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Per subject (keyed by subject id): the queryable {@value QueryableStateNames#SUBJECT_SIGHTINGS}
 * state, the newest {@value QueryableStateNames#MAX_SIGHTINGS} matches first with the count of all;
 * an erasure clears it and tombstones the templates of the sightings it held in the templates
 * topic (their ciphertexts are unreadable already: the subject's key is destroyed). A sighting
 * older than the retention drops out (processing-time sweeps, at most one a minute per subject:
 * queryable state cannot have a state TTL); a subject with none left leaves state.
 */
public class SubjectSightingsFunction extends KeyedProcessFunction<String, SightingUpdate, Outbound> {
    private final String templatesTopic;
    private final long retentionMs;
    private transient ValueState<byte[]> sightings;

    /** @param retention how long a sighting is kept */
    public SubjectSightingsFunction(String templatesTopic, Duration retention) {
        this.templatesTopic = templatesTopic;
        this.retentionMs = retention.toMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<byte[]> descriptor = QueryableStateNames.subjectSightingsDescriptor();
        descriptor.setQueryable(QueryableStateNames.SUBJECT_SIGHTINGS);
        sightings = getRuntimeContext().getState(descriptor);
    }

    @Override
    public void processElement(SightingUpdate update, Context ctx, Collector<Outbound> out) throws Exception {
        if (update.erased) {
            byte[] held = sightings.value();
            if (held != null) {
                long now = ctx.timerService().currentProcessingTime();
                for (Sighting s : IdentityStateCodec.decodeSightings(held).getSightings()) {
                    out.collect(new Outbound(templatesTopic, s.getFaceId().getBytes(StandardCharsets.UTF_8), null, now));
                }
            }
            sightings.clear();
            return;
        }
        byte[] bytes = sightings.value();
        Sightings current = bytes == null ? new Sightings(update.subjectId, new ArrayList<>(), 0L)
                : IdentityStateCodec.decodeSightings(bytes);
        Sighting sighting = new Sighting(update.cameraId, update.sequence, update.faceId,
                Instant.ofEpochMilli(update.timeMillis), update.distance);
        sightings.update(IdentityStateCodec.encodeSightings(withSighting(current, sighting, QueryableStateNames.MAX_SIGHTINGS)));
        long due = ctx.timerService().currentProcessingTime() + retentionMs;
        ctx.timerService().registerProcessingTimeTimer((due / CameraIndexFunction.SWEEP_GRANULARITY_MS + 1) * CameraIndexFunction.SWEEP_GRANULARITY_MS);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Outbound> out) throws Exception {
        byte[] bytes = sightings.value();
        if (bytes == null) {
            return;
        }
        Sightings current = IdentityStateCodec.decodeSightings(bytes);
        List<Sighting> kept = current.getSightings().stream()
                .filter(s -> s.getTime().toEpochMilli() + retentionMs > timestamp).toList();
        if (kept.isEmpty()) {
            sightings.clear();
        } else if (kept.size() < current.getSightings().size()) {
            sightings.update(IdentityStateCodec.encodeSightings(new Sightings(current.getSubjectId(), new ArrayList<>(kept), current.getTotal())));
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
