package io.biostream.jobs;

import io.biostream.operators.config.Settings;
import io.biostream.operators.pipeline.AnalyzeFrameFunction;
import io.biostream.operators.pipeline.CameraIndexFunction;
import io.biostream.operators.pipeline.FrameRecord;
import io.biostream.operators.pipeline.Outbound;
import io.biostream.operators.pipeline.OutboundSerializer;
import io.biostream.operators.pipeline.ParseFrameFunction;
import io.biostream.operators.pipeline.PipelineConfig;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.pipeline.RawRecord;
import io.biostream.operators.pipeline.RawRecordDeserializer;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The pipeline: frames -> parse -> (per camera) decode, detect, describe, seal -> results,
 * templates and dead letters through one exactly-once sink; camera-latest and camera-index as
 * queryable state. Sources and sinks are parameters so tests can inject their own.
 */
public final class PipelineJob {
    public static final String NAME = "biostream-pipeline";

    private final PipelineConfig config;

    public PipelineJob(PipelineConfig config) {
        this.config = config;
    }

    public void build(StreamExecutionEnvironment env, Source<RawRecord, ?, ?> source, Sink<Outbound> sink) {
        DataStream<RawRecord> raw = env.fromSource(source, WatermarkStrategy.noWatermarks(), "frames")
                .uid("frames-source");
        SingleOutputStreamOperator<FrameRecord> parsed = raw
                .process(new ParseFrameFunction(config)).name("parse frames").uid("parse-frames");
        SingleOutputStreamOperator<Outbound> analyzed = parsed
                .keyBy(record -> record.frame.getCameraId())
                .process(new AnalyzeFrameFunction(config)).name("analyze frames").uid("analyze-frames");
        analyzed.getSideOutput(AnalyzeFrameFunction.SIGHTINGS)
                .keyBy(sighting -> QueryableStateNames.CAMERA_INDEX_KEY)
                .process(new CameraIndexFunction()).name("camera index").uid("camera-index")
                .setParallelism(1);
        analyzed
                .union(parsed.getSideOutput(ParseFrameFunction.DEAD_LETTERS),
                        analyzed.getSideOutput(ParseFrameFunction.DEAD_LETTERS))
                .sinkTo(sink).name("kafka: results, templates, dead letters").uid("kafka-sink");
    }

    public KafkaSource<RawRecord> kafkaSource() {
        return KafkaSource.<RawRecord>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setTopics(config.topics().frames())
                .setGroupId(config.groupId())
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer())
                .setProperty("max.partition.fetch.bytes", Long.toString(config.maxRecordBytes()))
                .build();
    }

    public KafkaSink<Outbound> kafkaSink() {
        Properties producer = new Properties();
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
        PipelineJob job = new PipelineJob(PipelineConfig.from(settings));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flinkConf);
        job.build(env, job.kafkaSource(), job.kafkaSink());
        env.execute(NAME);
    }
}
