package io.biostream.operators.records;

import io.biostream.schemas.Frame;

/** A parsed Frame with the Kafka coordinates it came from, for dead letters (Flink POJO). */
public class FrameRecord {
    public Frame frame;
    public String topic;
    public int partition;
    public long offset;

    public FrameRecord() {}

    public FrameRecord(Frame frame, String topic, int partition, long offset) {
        this.frame = frame;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }
}
