package io.biostream.operators.functions;

import io.biostream.operators.crypto.FrameAuthenticator;
import io.biostream.operators.records.CameraActivity;
import io.biostream.operators.records.FrameRecord;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.records.RawRecord;
import io.biostream.schemas.WireFormat;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.Frame;
import java.nio.ByteBuffer;
import io.biostream.operators.decode.FrameMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Turns raw Kafka records into Frames. Empty, oversized and non-Avro values, frames not
 * authenticated as their camera ({@link FrameAuthenticator}, when required) and frames of cameras
 * off the allow-list go to the dead-letter output with their reason, before any image is decoded;
 * nothing here can fail the job.
 */
public class ParseFrameFunction extends ProcessFunction<RawRecord, FrameRecord> {
    public static final OutputTag<Outbound> DEAD_LETTERS = new OutputTag<>("dead-letters", TypeInformation.of(Outbound.class));

    private final PipelineConfig config;
    private transient DeadLetters deadLetters;
    private transient Counter framesReceived;
    /** Null when camera authentication is off. */
    private transient FrameAuthenticator cameras;

    public ParseFrameFunction(PipelineConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        cameras = config.cameras().authenticator(config.crypto());
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        framesReceived = metrics.addGroup(AnalysisMetrics.GROUP).counter("framesReceived");
        deadLetters = new DeadLetters(config.topics().dlq(), config.deadLetterMaxOriginalBytes(), DeadLetterMetrics.register(metrics));
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<FrameRecord> out) {
        framesReceived.inc();
        String keyText = record.key == null ? null : new String(record.key, StandardCharsets.UTF_8);
        if (record.value == null || record.value.length == 0) {
            ctx.output(DEAD_LETTERS, deadLetters.of(record, keyText, null, DeadLetterReason.EMPTY, "record has no value"));
            return;
        }
        if (record.value.length > config.maxRecordBytes()) {
            ctx.output(DEAD_LETTERS, deadLetters.of(record, keyText, null, DeadLetterReason.OVERSIZED,
                    "record value has " + record.value.length + " bytes, limit " + config.maxRecordBytes()));
            return;
        }
        Frame frame;
        try {
            frame = WireFormat.decode(Frame.class, record.value);
        } catch (Exception e) { // Avro reports bad input with several unchecked types
            ctx.output(DEAD_LETTERS, deadLetters.of(record, keyText, null, DeadLetterReason.NOT_AVRO,
                    "value is not an Avro single-object Frame: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
            return;
        }
        if (cameras != null) {
            Optional<String> unauthenticated = cameras.problem(keyText, frame.getCameraId(), record.value, record.cameraMac);
            if (unauthenticated.isPresent()) {
                ctx.output(DEAD_LETTERS, deadLetters.of(record, frame.getCameraId(), frame.getSequence(),
                        DeadLetterReason.UNAUTHENTICATED_CAMERA, unauthenticated.get()));
                return;
            }
        }
        if (!config.cameras().allows(frame.getCameraId())) {
            ctx.output(DEAD_LETTERS, deadLetters.of(record, frame.getCameraId(), frame.getSequence(), DeadLetterReason.UNKNOWN_CAMERA,
                    "camera " + frame.getCameraId() + " is not in " + io.biostream.operators.crypto.CameraAuthConfig.ALLOWED));
            return;
        }
        Instant now = Instant.now();
        Optional<String> problem = FrameMetadata.problem(frame, now);
        if (problem.isPresent()) {
            ctx.output(DEAD_LETTERS, deadLetters.of(record, frame.getCameraId(), frame.getSequence(), DeadLetterReason.INVALID_FIELD,
                    problem.get()));
            // The camera is authenticated and allowed: its dead letter counts in its analytics where
            // the capture time is one a clock can have (a bad session id); otherwise it has no window.
            if (FrameMetadata.captureTimeProblem(frame, now).isEmpty()) {
                ctx.output(AnalyzeFrameFunction.ACTIVITY,
                        CameraActivity.deadLetter(frame.getCameraId(), frame.getCaptureTime().toEpochMilli()));
            }
            return;
        }
        out.collect(new FrameRecord(frame, record.topic, record.partition, record.offset));
    }
}
