package io.biostream.operators.records;

/** A Kafka record as it arrived, before anything is trusted about its content (Flink POJO). */
public class RawRecord {
    public String topic;
    public int partition;
    public long offset;
    public long timestamp;
    public byte[] key;
    public byte[] value;
    /** The {@code biostream-signature} header (control records), or null. */
    public byte[] signature;
    /** The {@code biostream-camera-mac} header (frames: the camera's MAC of the value), or null. */
    public byte[] cameraMac;

    public RawRecord() {}

    public RawRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
    }

    public RawRecord withSignature(byte[] signature) {
        this.signature = signature;
        return this;
    }

    public RawRecord withCameraMac(byte[] cameraMac) {
        this.cameraMac = cameraMac;
        return this;
    }
}
