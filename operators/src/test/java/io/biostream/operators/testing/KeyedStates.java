package io.biostream.operators.testing;

import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;

/** Reads a keyed operator's state under one key, as the harness tests check what a function stored. */
public final class KeyedStates {
    private KeyedStates() {}

    /** The value {@code descriptor} holds for {@code key} in {@code operator} (null when none). */
    public static <T> T value(AbstractStreamOperator<?> operator, Object key, ValueStateDescriptor<T> descriptor) throws Exception {
        operator.setCurrentKey(key);
        return operator.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor).value();
    }
}
