package io.biostream.operators.vision;

import org.nd4j.autodiff.samediff.internal.memory.AbstractMemoryMgr;
import org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

public class CountingMemoryManager extends AbstractMemoryMgr {
    final ArrayCacheMemoryMgr d;
    long hits, misses, missBytes, releases, releaseBytes;
    CountingMemoryManager(ArrayCacheMemoryMgr d) { this.d = d; }
    private INDArray count(long before, INDArray a) {
        if (d.getCurrentCacheSize() < before) hits++; else { misses++; missBytes += a.length() * 4; }
        return a;
    }
    public INDArray allocate(boolean detached, DataType t, long... shape) { long b = d.getCurrentCacheSize(); return count(b, d.allocate(detached, t, shape)); }
    public INDArray allocate(boolean detached, LongShapeDescriptor s) { long b = d.getCurrentCacheSize(); return count(b, d.allocate(detached, s)); }
    public void release(INDArray a) { releases++; releaseBytes += a.length() * 4; d.release(a); }
    public void close() { d.close(); }
    public String toString() { return String.format("hits %d misses %d (%.1f MB) releases %d (%.1f MB) cache %.1f MB", hits, misses, missBytes / 1e6, releases, releaseBytes / 1e6, d.getCurrentCacheSize() / 1e6); }
}
