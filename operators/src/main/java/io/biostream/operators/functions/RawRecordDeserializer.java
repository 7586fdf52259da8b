package io.biostream.operators.functions;

import io.biostream.operators.records.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import io.biostream.operators.crypto.CameraKey;
import io.biostream.operators.identity.ControlSignatures;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** Passes every Kafka record on untouched: parsing happens in the job, where failures become dead letters. */
public final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
        Header signature = record.headers().lastHeader(ControlSignatures.HEADER);
        Header cameraMac = record.headers().lastHeader(CameraKey.HEADER);
        out.collect(new RawRecord(record.topic(), record.partition(), record.offset(), record.timestamp(),
                record.key(), record.value()).withSignature(signature == null ? null : signature.value())
                .withCameraMac(cameraMac == null ? null : cameraMac.value()));
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
