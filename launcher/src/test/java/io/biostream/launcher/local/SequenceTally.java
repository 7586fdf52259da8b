package io.biostream.launcher.local;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Test job state: per key, how many sequence numbers it saw (f0) and the last one (f1), in
 * queryable state. Sequence number n goes to key {@code "camera-" + n % 2}, so a key that saw every
 * one of its numbers exactly once has {@code f0 == (f1 - k) / 2 + 1}; a lost or replayed record,
 * or state reset under a restored source, breaks that.
 */
final class SequenceTally extends KeyedProcessFunction<String, Long, Long> {

    static final String QUERYABLE_NAME = "sequence-tally";
    static final int KEYS = 2;

    private transient ValueState<Tuple2<Long, Long>> tally;

    static ValueStateDescriptor<Tuple2<Long, Long>> descriptor() {
        ValueStateDescriptor<Tuple2<Long, Long>> descriptor =
                new ValueStateDescriptor<>("tally", Types.TUPLE(Types.LONG, Types.LONG));
        descriptor.setQueryable(QUERYABLE_NAME);
        return descriptor;
    }

    static String keyOf(long sequence) {
        return "camera-" + sequence % KEYS;
    }

    /** Whether the tally of key {@code camera-k} holds each of its sequence numbers exactly once. */
    static boolean isGapFree(int k, Tuple2<Long, Long> tally) {
        return tally.f0 == (tally.f1 - k) / KEYS + 1;
    }

    @Override
    public void open(OpenContext openContext) {
        tally = getRuntimeContext().getState(descriptor());
    }

    @Override
    public void processElement(Long sequence, Context ctx, Collector<Long> out) throws Exception {
        Tuple2<Long, Long> current = tally.value();
        long count = current == null ? 0 : current.f0;
        tally.update(Tuple2.of(count + 1, sequence));
        out.collect(sequence);
    }
}
