package io.biostream.operators.functions;

import com.google.crypto.tink.PublicKeyVerify;
import io.biostream.operators.identity.ControlEvents;
import io.biostream.operators.identity.ControlSignatures;
import io.biostream.operators.records.ControlRecord;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.records.RawRecord;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.WireFormat;
import java.security.GeneralSecurityException;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Turns raw records of the control topic into ControlEvents. Empty, oversized, non-Avro and
 * incomplete events, and records whose signature does not verify under the control verification
 * keys ({@link ControlSignatures}: anyone else who writes to the topic), go to the dead-letter
 * output ({@link ParseFrameFunction#DEAD_LETTERS}) with their reason; nothing here can fail the
 * job, and nothing refused reaches broadcast state.
 */
public class ParseControlFunction extends ProcessFunction<RawRecord, ControlRecord> {
    /** Control events are small (a sealed template is under 1 KiB); anything this large is not one. */
    public static final int MAX_CONTROL_BYTES = 1024 * 1024;

    private final PipelineConfig config;
    private transient DeadLetters deadLetters;
    private transient PublicKeyVerify signatures;

    public ParseControlFunction(PipelineConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) throws GeneralSecurityException {
        signatures = config.controlSigning().verifier();
        deadLetters = new DeadLetters(config.topics().dlq(), config.deadLetterMaxOriginalBytes(),
                DeadLetterMetrics.register(getRuntimeContext().getMetricGroup()));
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<ControlRecord> out) {
        if (record.value == null || record.value.length == 0) {
            ctx.output(ParseFrameFunction.DEAD_LETTERS, deadLetter(record, DeadLetterReason.EMPTY, "control record has no value"));
            return;
        }
        if (record.value.length > MAX_CONTROL_BYTES) {
            ctx.output(ParseFrameFunction.DEAD_LETTERS, deadLetter(record, DeadLetterReason.OVERSIZED,
                    "control record value has " + record.value.length + " bytes, limit " + MAX_CONTROL_BYTES));
            return;
        }
        Optional<String> forged = ControlSignatures.problem(record.value, record.signature, signatures);
        if (forged.isPresent()) {
            ctx.output(ParseFrameFunction.DEAD_LETTERS, deadLetter(record, DeadLetterReason.UNAUTHENTICATED, forged.get()));
            return;
        }
        ControlEvent event;
        try {
            event = WireFormat.decode(ControlEvent.class, record.value);
        } catch (Exception e) { // Avro reports bad input with several unchecked types
            ctx.output(ParseFrameFunction.DEAD_LETTERS, deadLetter(record, DeadLetterReason.NOT_AVRO,
                    "value is not an Avro single-object ControlEvent: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
            return;
        }
        Optional<String> problem = ControlEvents.problem(event);
        if (problem.isPresent()) {
            ctx.output(ParseFrameFunction.DEAD_LETTERS, deadLetter(record, DeadLetterReason.INVALID_FIELD,
                    event.getType() + " " + event.getEventId() + ": " + problem.get()));
            return;
        }
        out.collect(new ControlRecord(event, record.topic, record.partition, record.offset));
    }

    private Outbound deadLetter(RawRecord record, DeadLetterReason reason, String message) {
        return deadLetters.of(record, null, null, reason, message);
    }
}
