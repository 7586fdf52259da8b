package io.biostream.operators.functions;

import io.biostream.operators.testing.KeyedStates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.config.Settings;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.records.SightingUpdate;
import io.biostream.operators.state.IdentityStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.state.StateSeal;
import io.biostream.schemas.Sighting;
import io.biostream.schemas.Sightings;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubjectSightingsFunctionTest {
    private static final long RETENTION_MS = 3_600_000L;
    private KeyedOneInputStreamOperatorTestHarness<String, SightingUpdate, Outbound> harness;
    private TemplateKeyRing keys;

    @TempDir
    Path keysDir;

    @BeforeEach
    void open() throws Exception {
        CryptoConfig crypto = CryptoConfig.from(Settings.of(TestKeyRings.directorySettings(keysDir)), null, "unused");
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new SubjectSightingsFunction("biostream.templates", Duration.ofMillis(RETENTION_MS), crypto),
                update -> update.subjectId, Types.STRING);
        keys = crypto.openKeyRing(); // the API's view: the same key hierarchy
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
        keys.close();
    }

    private byte[] stored(String subjectId) throws Exception {
        byte[] stored = KeyedStates.value(harness.getOperator(), subjectId, QueryableStateNames.subjectSightingsDescriptor());
        return stored;
    }

    private Sightings sightings(String subjectId) throws Exception {
        byte[] bytes = stored(subjectId);
        return bytes == null ? null : IdentityStateCodec.openSightings(new StateSeal(keys), subjectId, bytes).orElseThrow();
    }

    /** Who was seen where is sealed in state: the queryable-state proxy and a checkpoint copy show ciphertext. */
    @Test
    void theStateHoldsOnlyASealedValueThatOpensForItsOwnSubjectOnly() throws Exception {
        match("raj", "door-1", 1, 1_000L);
        byte[] bytes = stored("raj");
        assertThat(StateSeal.isSealed(bytes)).isTrue();
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertThat(text).doesNotContain("raj").doesNotContain("door-1");
        assertThat(sightings("raj").getSightings()).extracting(Sighting::getCameraId).containsExactly("door-1");
        assertThatThrownBy(() -> IdentityStateCodec.openSightings(new StateSeal(keys), "penny", bytes))
                .as("moved to another subject's key").isInstanceOf(GeneralSecurityException.class);
    }

    private void match(String subjectId, String camera, long sequence, long time) throws Exception {
        harness.processElement(SightingUpdate.match(subjectId, camera, sequence, sightingFaceId(camera, sequence), time, 0.3f), 0L);
    }

    private static String sightingFaceId(String camera, long sequence) {
        return camera + "/" + sequence + "/0";
    }

    @Test
    void keepsTheNewestSightingsFirstBoundedWithTheTotalOfAll() throws Exception {
        for (int i = 1; i <= QueryableStateNames.MAX_SIGHTINGS + 20; i++) {
            match("raj", "door-1", i, 1_000L * i);
        }
        match("raj", "door-2", 7, 500L); // late and older than every kept sighting: counted, not kept
        match("raj", "door-2", 8, 1_000L * 110 + 1); // late but among the newest: kept in time order
        match("lennard", "door-3", 1, 5L);

        Sightings raj = sightings("raj");
        assertThat(raj.getSubjectId()).isEqualTo("raj");
        assertThat(raj.getTotal()).isEqualTo(QueryableStateNames.MAX_SIGHTINGS + 22);
        assertThat(raj.getSightings()).hasSize(QueryableStateNames.MAX_SIGHTINGS);
        assertThat(raj.getSightings().get(0).getSequence()).isEqualTo(120L);
        assertThat(raj.getSightings()).isSortedAccordingTo((a, b) -> b.getTime().compareTo(a.getTime()));
        assertThat(raj.getSightings()).extracting(Sighting::getCameraId).contains("door-2").hasSize(100);
        assertThat(raj.getSightings().get(99).getSequence()).isEqualTo(22L);
        assertThat(sightings("lennard").getTotal()).isEqualTo(1L);
    }

    @Test
    void anErasureClearsOnlyThatSubject() throws Exception {
        match("raj", "door-1", 1, 1_000L);
        match("lennard", "door-1", 2, 2_000L);

        harness.processElement(SightingUpdate.erasure("raj"), 0L);

        assertThat(sightings("raj")).isNull();
        // The erased subject's sighted templates are tombstoned (null value) in the templates topic.
        List<Outbound> tombstones = harness.extractOutputValues();
        assertThat(tombstones).hasSize(1);
        assertThat(tombstones.get(0).topic).isEqualTo("biostream.templates");
        assertThat(tombstones.get(0).value).isNull();
        assertThat(new String(tombstones.get(0).key, java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(sightingFaceId("door-1", 1));
        harness.processElement(SightingUpdate.erasure("raj"), 0L); // the other analysis subtasks' erasures
        assertThat(harness.extractOutputValues()).hasSize(1);
        assertThat(sightings("lennard").getTotal()).isEqualTo(1L);
        match("raj", "door-1", 3, 3_000L); // enrolled again later: counts start afresh
        assertThat(sightings("raj").getTotal()).isEqualTo(1L);
    }

    /** Finding 8 of the hardening issue: sightings never expired. */
    @Test
    void sightingsOlderThanTheRetentionDropOutAndASubjectWithNoneLeftLeavesState() throws Exception {
        harness.setProcessingTime(1_000L);
        match("raj", "door-1", 1, 1_000L);
        harness.setProcessingTime(30 * 60_000L);
        match("raj", "door-1", 2, 30 * 60_000L);

        harness.setProcessingTime(1_000L + RETENTION_MS + CameraIndexFunction.SWEEP_GRANULARITY_MS);
        Sightings left = sightings("raj");
        assertThat(left.getSightings()).extracting(Sighting::getSequence).containsExactly(2L);
        assertThat(left.getTotal()).as("the count of all sightings stays").isEqualTo(2L);

        harness.setProcessingTime(30 * 60_000L + RETENTION_MS + CameraIndexFunction.SWEEP_GRANULARITY_MS);
        assertThat(sightings("raj")).isNull();
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }
}
