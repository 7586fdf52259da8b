package io.biostream.jobs;

import io.biostream.operators.config.Settings;
import io.biostream.operators.functions.AnalyzeFrameFunction;
import io.biostream.operators.functions.MicroBatchAnalyzeOperator;
import io.biostream.operators.functions.CameraAnalyticsFunction;
import io.biostream.operators.functions.CameraIndexFunction;
import io.biostream.operators.records.ControlRecord;
import io.biostream.operators.functions.ParseControlFunction;
import io.biostream.operators.functions.SessionSummaryFunction;
import io.biostream.operators.functions.SubjectSightingsFunction;
import io.biostream.operators.functions.SubjectVisitsFunction;
import io.biostream.operators.records.SubjectVisit;
import io.biostream.schemas.ControlType;
import io.biostream.operators.records.FrameRecord;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.functions.OutboundSerializer;
import io.biostream.operators.functions.ParseFrameFunction;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.records.RawRecord;
import io.biostream.operators.functions.RawRecordDeserializer;
import java.time.Duration;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The pipeline: frames -> parse -> (per camera, with the control stream broadcast) decode, detect,
 * describe, match, seal -> results, templates, dead letters and analytics through one exactly-once
 * sink; camera-latest, camera-index, subject-sightings, session-summary, the camera analytics
 * windows and subject-visits as queryable state. Sources
 * and sinks are parameters so tests can inject their own.
 */
public final class PipelineJob {
    public static final String NAME = "biostream-pipeline";

    private final PipelineConfig config;

    public PipelineJob(PipelineConfig config) {
        this.config = config;
    }

    /**
     * @param frames  camera frames (the frames topic)
     * @param control control events (the control topic, one partition, read from the start on a fresh job)
     * @param sink    results, templates and dead letters
     */
    public void build(StreamExecutionEnvironment env, Source<RawRecord, ?, ?> frames, Source<RawRecord, ?, ?> control,
                      Sink<Outbound> sink) {
        SingleOutputStreamOperator<FrameRecord> parsed = env.fromSource(frames, WatermarkStrategy.noWatermarks(), "frames")
                .uid("frames-source")
                .process(new ParseFrameFunction(config)).name("parse frames").uid("parse-frames");
        // One partition, one order: the control stream is read and parsed by a single subtask.
        SingleOutputStreamOperator<ControlRecord> controlEvents = env
                .fromSource(control, WatermarkStrategy.noWatermarks(), "control").uid("control-source").setParallelism(1)
                .process(new ParseControlFunction(config)).name("parse control").uid("parse-control").setParallelism(1);

        // Per camera with the control stream broadcast, as KeyedBroadcastProcessFunction runs (same
        // keyed and broadcast state), in an operator that batches the nets across frames and flushes
        // its batch before every checkpoint barrier (MicroBatchAnalyzeOperator).
        SingleOutputStreamOperator<Outbound> analyzed = parsed
                .keyBy(record -> record.frame.getCameraId())
                .connect(controlEvents.broadcast())
                .transform("analyze frames", TypeInformation.of(Outbound.class),
                        new MicroBatchAnalyzeOperator(new AnalyzeFrameFunction(config), config.batch()))
                .uid("analyze-frames");

        analyzed.getSideOutput(AnalyzeFrameFunction.SIGHTINGS)
                .keyBy(sighting -> QueryableStateNames.CAMERA_INDEX_KEY)
                .process(new CameraIndexFunction(Duration.ofSeconds(config.identity().retentionSeconds()))).name("camera index").uid("camera-index")
                .setParallelism(1);
        SingleOutputStreamOperator<Outbound> erasedTemplates = analyzed.getSideOutput(AnalyzeFrameFunction.SUBJECT_SIGHTINGS)
                .keyBy(update -> update.subjectId)
                .process(new SubjectSightingsFunction(config.topics().templates(), Duration.ofSeconds(config.identity().retentionSeconds()),
                        config.crypto())).name("subject sightings").uid("subject-sightings");
        analyzed.getSideOutput(AnalyzeFrameFunction.SESSION_FRAMES)
                .keyBy(frame -> frame.sessionId)
                .connect(controlEvents
                        .filter(record -> record.event.getType() == ControlType.SESSION_STARTED
                                || record.event.getType() == ControlType.SESSION_ENDED)
                        .name("session events").uid("session-events").setParallelism(1)
                        .keyBy(record -> record.event.getSession().getSessionId()))
                .process(new SessionSummaryFunction(Duration.ofSeconds(config.identity().unstartedSessionTtlSeconds()),
                        Duration.ofSeconds(config.identity().retentionSeconds()), config.crypto())).name("session summary").uid("session-summary");

        // Business analytics on event time (captureTime): the watermark trails the newest captureTime
        // by the configured out-of-orderness; an analysis subtask without frames goes idle.
        SingleOutputStreamOperator<Outbound> cameraAnalytics = analyzed.getSideOutput(AnalyzeFrameFunction.ACTIVITY)
                .union(parsed.getSideOutput(AnalyzeFrameFunction.ACTIVITY))
                .assignTimestampsAndWatermarks(CameraAnalyticsFunction.watermarks(config.analytics()))
                .name("capture-time watermarks").uid("activity-watermarks")
                .keyBy(activity -> activity.cameraId)
                .process(new CameraAnalyticsFunction(config.topics().analytics(), config.analytics(), config.crypto()))
                .name("camera analytics").uid("camera-analytics");
        // Visits per subject and camera (closed session windows); an erasure clears the subject's.
        cameraAnalytics.getSideOutput(CameraAnalyticsFunction.VISITS)
                .union(analyzed.getSideOutput(AnalyzeFrameFunction.SUBJECT_SIGHTINGS)
                        .filter(update -> update.erased).name("subject erasures").uid("subject-erasures")
                        .map(update -> SubjectVisit.erasure(update.subjectId)).returns(SubjectVisit.class)
                        .name("visit erasures").uid("visit-erasures"))
                .keyBy(visit -> visit.subjectId)
                .process(new SubjectVisitsFunction(config.crypto())).name("subject visits").uid("subject-visits");

        analyzed
                .union(parsed.getSideOutput(ParseFrameFunction.DEAD_LETTERS),
                        controlEvents.getSideOutput(ParseFrameFunction.DEAD_LETTERS),
                        analyzed.getSideOutput(ParseFrameFunction.DEAD_LETTERS),
                        erasedTemplates,
                        cameraAnalytics)
                .sinkTo(sink).name("kafka: results, templates, dead letters, analytics").uid("kafka-sink");
    }

    public KafkaSource<RawRecord> kafkaSource() {
        return KafkaSource.<RawRecord>builder()
                .setProperties(config.kafka().clientProperties())
                .setTopics(config.topics().frames())
                .setGroupId(config.groupId())
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer())
                .setProperty("max.partition.fetch.bytes", Long.toString(config.maxRecordBytes()))
                .build();
    }

    /**
     * The control topic from its first record: its whole history defines the gallery, the settings
     * and the open sessions. After a restore the checkpointed offset applies (with the broadcast
     * state of the same checkpoint), so each event takes effect exactly once. No group offsets are
     * committed: they would never be read. Only committed records are read (read_committed).
     */
    public KafkaSource<RawRecord> controlSource() {
        return KafkaSource.<RawRecord>builder()
                .setProperties(config.kafka().clientProperties())
                .setTopics(config.topics().control())
                .setGroupId(config.groupId() + "-control")
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new RawRecordDeserializer())
                .setProperty("commit.offsets.on.checkpoint", "false")
                // A change and its audit event are one transaction: an aborted one must never take effect.
                .setProperty("isolation.level", "read_committed")
                .setProperty("max.partition.fetch.bytes", Integer.toString(ParseControlFunction.MAX_CONTROL_BYTES + 64 * 1024))
                .build();
    }

    public KafkaSink<Outbound> kafkaSink() {
        // Bootstrap servers and SASL/TLS: the password file is read on each TaskManager, never carried in the job graph.
        Properties producer = config.kafka().clientProperties();
        // Must not exceed the broker's transaction.max.timeout.ms, or every transaction is refused.
        producer.setProperty("transaction.timeout.ms", Long.toString(config.transactionTimeoutMs()));
        producer.setProperty("max.request.size", Long.toString(config.maxRecordBytes() + 1024 * 1024));
        return KafkaSink.<Outbound>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setRecordSerializer(new OutboundSerializer())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(config.transactionalIdPrefix())
                .setKafkaProducerConfig(producer)
                .build();
    }

    /** Entry point on a Flink cluster: settings from flags, environment and the cluster's config.yaml. */
    public static void main(String[] args) throws Exception {
        Configuration flinkConf = GlobalConfiguration.loadConfiguration();
        Settings settings = new Settings(Settings.parseFlags(args), System.getenv(), flinkConf.toMap());
        PipelineConfig config = PipelineConfig.from(settings);
        // The camera master opens here first, so a missing or unopenable one fails the submission
        // with its setting's name, not every TaskManager's parse task in a restart loop.
        config.cameras().authenticator(config.crypto());
        config.kafka().requireReadable(); // here as on every TaskManager, which reads the same file
        PipelineJob job = new PipelineJob(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flinkConf);
        job.build(env, job.kafkaSource(), job.controlSource(), job.kafkaSink());
        env.execute(NAME);
    }
}
