package io.biostream.operators.functions;

import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.DataKeyUnavailableException;
import io.biostream.operators.crypto.KeyStoreUnavailableException;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.records.SubjectVisit;
import io.biostream.operators.state.IdentityStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.state.StateSeal;
import io.biostream.schemas.CameraVisits;
import io.biostream.schemas.SubjectVisits;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per subject (keyed by subject id): the queryable {@value QueryableStateNames#SUBJECT_VISITS}
 * state, per camera the number of closed visits and their dwell time (sealed, {@link StateSeal}).
 * An erasure clears it, and a visit still open at a camera when the subject was erased, closing
 * later, is refused for a day (longer than any visit gap) so it cannot bring the subject back.
 * Visits are not written to the analytics topic: a record there would outlive the erasure.
 */
public class SubjectVisitsFunction extends KeyedProcessFunction<String, SubjectVisit, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(SubjectVisitsFunction.class);
    private final CryptoConfig crypto;
    private transient ValueState<byte[]> visits;
    private transient ValueState<Boolean> erased;
    private transient TemplateKeyRing keys;
    private transient StateSeal seal;

    public SubjectVisitsFunction(CryptoConfig crypto) {
        this.crypto = crypto;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        ValueStateDescriptor<byte[]> descriptor = QueryableStateNames.subjectVisitsDescriptor();
        descriptor.setQueryable(QueryableStateNames.SUBJECT_VISITS);
        visits = getRuntimeContext().getState(descriptor);
        ValueStateDescriptor<Boolean> erasedDescriptor = new ValueStateDescriptor<>("erased", Types.BOOLEAN);
        erasedDescriptor.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofDays(1)).build());
        erased = getRuntimeContext().getState(erasedDescriptor);
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
    public void processElement(SubjectVisit visit, Context ctx, Collector<Void> out) throws Exception {
        if (visit.erased) {
            visits.clear();
            erased.update(true);
            return;
        }
        if (Boolean.TRUE.equals(erased.value())) {
            return;
        }
        try {
            byte[] bytes = visits.value();
            SubjectVisits current = (bytes == null ? Optional.<SubjectVisits>empty()
                    : IdentityStateCodec.openVisits(seal, visit.subjectId, bytes))
                    .orElseGet(() -> new SubjectVisits(visit.subjectId, new ArrayList<>()));
            visits.update(IdentityStateCodec.sealVisits(seal, visit.subjectId, withVisit(current, visit)));
        } catch (DataKeyUnavailableException | KeyStoreUnavailableException e) { // a key-store outage must not fail the job
            LOG.error("subject {}: a visit to {} not recorded: {}", visit.subjectId, visit.cameraId, e.toString());
        }
    }

    /** The visits with one more closed visit to its camera, cameras ordered by id. */
    static SubjectVisits withVisit(SubjectVisits current, SubjectVisit visit) {
        List<CameraVisits> cameras = new ArrayList<>();
        boolean found = false;
        for (CameraVisits c : current.getCameras()) {
            if (c.getCameraId().equals(visit.cameraId)) {
                found = true;
                boolean newer = visit.firstMillis >= c.getLastVisitStart().toEpochMilli();
                cameras.add(new CameraVisits(c.getCameraId(), c.getVisits() + 1, c.getDwellMillis() + (visit.lastMillis - visit.firstMillis),
                        newer ? Instant.ofEpochMilli(visit.firstMillis) : c.getLastVisitStart(),
                        newer ? Instant.ofEpochMilli(visit.lastMillis) : c.getLastVisitEnd()));
            } else {
                cameras.add(c);
            }
        }
        if (!found) {
            cameras.add(new CameraVisits(visit.cameraId, 1L, visit.lastMillis - visit.firstMillis,
                    Instant.ofEpochMilli(visit.firstMillis), Instant.ofEpochMilli(visit.lastMillis)));
        }
        cameras.sort(Comparator.comparing(CameraVisits::getCameraId));
        return new SubjectVisits(current.getSubjectId(), cameras);
    }
}
