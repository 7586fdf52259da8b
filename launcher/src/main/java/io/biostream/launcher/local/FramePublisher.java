package io.biostream.launcher.local;

import io.biostream.operators.config.KafkaConnection;
import io.biostream.operators.crypto.CameraKey;
import io.biostream.operators.crypto.FrameSigner;
import io.biostream.schemas.WireFormat;
import io.biostream.operators.decode.FrameRejectedException;
import io.biostream.operators.decode.ImageHeader;
import io.biostream.schemas.Frame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Publishes image files as Avro Frames to the frames topic, keyed by camera id and signed with its key, as a camera would. */
public final class FramePublisher implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    /** Signs each record as its camera ({@value CameraKey#HEADER}), or null: records go unsigned. */
    private final FrameSigner signer;

    /** A publisher whose records carry no camera MAC (a job with camera authentication refuses its frames). */
    public FramePublisher(String bootstrapServers, String topic, int maxRequestBytes) {
        this(KafkaConnection.plaintext(bootstrapServers), topic, maxRequestBytes, null);
    }

    /** A publisher that authenticates as {@code kafka}'s principal (a camera's: it may write frames only), unsigned. */
    public FramePublisher(KafkaConnection kafka, String topic, int maxRequestBytes) {
        this(kafka, topic, maxRequestBytes, null);
    }

    /**
     * A publisher that authenticates as {@code kafka}'s principal and signs each record as the
     * camera it is keyed by, with {@code signer} (null: unsigned).
     */
    public FramePublisher(KafkaConnection kafka, String topic, int maxRequestBytes, FrameSigner signer) {
        this(kafka.clientConfig(), topic, maxRequestBytes, signer);
    }

    /**
     * @param clientConfig where and how to connect ({@link KafkaConnection#clientConfig()}, with any
     *     client timeouts); the publisher's delivery guarantees go on top: idempotent, acknowledged by
     *     all in-sync replicas
     * @param signer signs each record as the camera it is keyed by, or null: records go unsigned
     */
    public FramePublisher(Map<String, Object> clientConfig, String topic, int maxRequestBytes, FrameSigner signer) {
        this.topic = topic;
        this.signer = signer;
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRequestBytes);
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A Frame for an encoded JPEG or PNG image, its size and encoding read from the image header. */
    public static Frame frame(String cameraId, long sequence, byte[] image) throws FrameRejectedException {
        ImageHeader header = ImageHeader.read(image);
        return Frame.newBuilder()
                .setCameraId(cameraId)
                .setSequence(sequence)
                .setCaptureTime(Instant.now())
                .setEncoding(header.format().name().toLowerCase(Locale.ROOT))
                .setWidth(header.width())
                .setHeight(header.height())
                .setBytes(ByteBuffer.wrap(image))
                .build();
    }

    public RecordMetadata publish(Frame frame) throws InterruptedException, ExecutionException, TimeoutException {
        return publishRaw(frame.getCameraId(), WireFormat.encode(frame));
    }

    /**
     * Any bytes as a frames-topic value, signed as camera {@code key} when this publisher signs:
     * how tests and tools send what a broken (but authenticated) camera would.
     */
    public RecordMetadata publishRaw(String key, byte[] value) throws InterruptedException, ExecutionException, TimeoutException {
        byte[] mac = signer == null || key == null || value == null ? null : signer.header(key, value);
        return publishWithMac(key, value, mac);
    }

    /** Any bytes with any {@value CameraKey#HEADER} header (null: none): how tests send forged frames. */
    public RecordMetadata publishWithMac(String key, byte[] value, byte[] cameraMac)
            throws InterruptedException, ExecutionException, TimeoutException {
        byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, keyBytes, value);
        if (cameraMac != null) {
            record.headers().add(CameraKey.HEADER, cameraMac);
        }
        return producer.send(record).get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
