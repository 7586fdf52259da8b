package io.biostream.operators.records;

/** A record bound for one of the job's output topics, already serialized (Flink POJO). */
public class Outbound {
    public String topic;
    public byte[] key;
    public byte[] value;
    public long timestamp;

    public Outbound() {}

    public Outbound(String topic, byte[] key, byte[] value, long timestamp) {
        this.topic = topic;
        this.key = key;
        this.value = value;
        this.timestamp = timestamp;
    }
}
