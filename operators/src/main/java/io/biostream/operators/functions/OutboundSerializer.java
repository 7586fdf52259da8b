package io.biostream.operators.functions;

import io.biostream.operators.records.Outbound;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Routes each Outbound to its topic, so one transactional sink covers results, templates and dead letters. */
public final class OutboundSerializer implements KafkaRecordSerializationSchema<Outbound> {
    @Override
    public ProducerRecord<byte[], byte[]> serialize(Outbound element, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(element.topic, null, element.timestamp, element.key, element.value);
    }
}
