package io.biostream.operators.records;

import io.biostream.schemas.ControlEvent;

/** A parsed ControlEvent with the Kafka coordinates it came from, for dead letters (Flink POJO). */
public class ControlRecord {
    public ControlEvent event;
    public String topic;
    public int partition;
    public long offset;

    public ControlRecord() {}

    public ControlRecord(ControlEvent event, String topic, int partition, long offset) {
        this.event = event;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }
}
