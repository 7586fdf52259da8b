package io.biostream.operators.functions;

import io.biostream.operators.records.Outbound;
import io.biostream.operators.records.SightingUpdate;
import io.biostream.operators.state.IdentityStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.schemas.Sighting;
import io.biostream.schemas.Sightings;
import java.nio.charset.StandardCharsets;
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
 * topic (their ciphertexts are unreadable already: the subject's key is destroyed).
 */
public class SubjectSightingsFunction extends KeyedProcessFunction<String, SightingUpdate, Outbound> {
    private final String templatesTopic;
    private transient ValueState<byte[]> sightings;

    public SubjectSightingsFunction(String templatesTopic) {
        this.templatesTopic = templatesTopic;
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
