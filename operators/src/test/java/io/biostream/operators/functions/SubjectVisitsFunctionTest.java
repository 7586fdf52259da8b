package io.biostream.operators.functions;

import io.biostream.operators.testing.KeyedStates;
import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.config.Settings;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.records.SubjectVisit;
import io.biostream.operators.state.IdentityStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.state.StateSeal;
import io.biostream.schemas.CameraVisits;
import io.biostream.schemas.SubjectVisits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubjectVisitsFunctionTest {
    private KeyedOneInputStreamOperatorTestHarness<String, SubjectVisit, Void> harness;
    private TemplateKeyRing keys;

    @TempDir
    Path keysDir;

    @BeforeEach
    void open() throws Exception {
        CryptoConfig crypto = CryptoConfig.from(Settings.of(TestKeyRings.directorySettings(keysDir)), null, "unused");
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new SubjectVisitsFunction(crypto),
                visit -> visit.subjectId, Types.STRING);
        keys = crypto.openKeyRing();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
        keys.close();
    }

    private byte[] stored(String subjectId) throws Exception {
        byte[] stored = KeyedStates.value(harness.getOperator(), subjectId, QueryableStateNames.subjectVisitsDescriptor());
        return stored;
    }

    private List<String> visits(String subjectId) throws Exception {
        byte[] bytes = stored(subjectId);
        if (bytes == null) {
            return List.of();
        }
        SubjectVisits visits = IdentityStateCodec.openVisits(new StateSeal(keys), subjectId, bytes).orElseThrow();
        return visits.getCameras().stream().map(c -> c.getCameraId() + " " + c.getVisits() + " visits " + c.getDwellMillis()
                + " ms, last " + c.getLastVisitStart().toEpochMilli() + "-" + c.getLastVisitEnd().toEpochMilli()).toList();
    }

    @Test
    void countsVisitsAndDwellPerCameraSealed() throws Exception {
        harness.processElement(SubjectVisit.closed("raj", "door", 100_000, 108_000), 0L);
        harness.processElement(SubjectVisit.closed("raj", "lobby", 120_000, 120_000), 0L);
        harness.processElement(SubjectVisit.closed("raj", "door", 300_000, 330_000), 0L);
        harness.processElement(SubjectVisit.closed("raj", "door", 50_000, 52_000), 0L); // an older visit closing late
        harness.processElement(SubjectVisit.closed("penny", "door", 101_000, 101_000), 0L);
        assertThat(visits("raj")).containsExactly("door 3 visits 40000 ms, last 300000-330000", "lobby 1 visits 0 ms, last 120000-120000");
        assertThat(visits("penny")).containsExactly("door 1 visits 0 ms, last 101000-101000");
        byte[] bytes = stored("raj");
        assertThat(StateSeal.isSealed(bytes)).isTrue();
        assertThat(new String(bytes, StandardCharsets.ISO_8859_1)).doesNotContain("raj").doesNotContain("door");
    }

    @Test
    void anErasureClearsTheVisitsAndAVisitClosingAfterItDoesNotBringThemBack() throws Exception {
        harness.processElement(SubjectVisit.closed("raj", "door", 100_000, 108_000), 0L);
        harness.processElement(SubjectVisit.erasure("raj"), 0L);
        assertThat(stored("raj")).isNull();
        harness.processElement(SubjectVisit.closed("raj", "lobby", 110_000, 115_000), 0L); // open at the lobby when erased
        assertThat(stored("raj")).isNull();
        harness.processElement(SubjectVisit.closed("penny", "door", 101_000, 101_000), 0L);
        assertThat(visits("penny")).hasSize(1);
    }
}
