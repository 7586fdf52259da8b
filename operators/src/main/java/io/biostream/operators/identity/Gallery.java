package io.biostream.operators.identity;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The enrolled face templates that probes are matched against (1:N), held twice: as exact float32
 * rows (ND4J matrices of {@link #BLOCK_ROWS} rows each), which give the distances returned, and as
 * int8 codes with per-template error bounds ({@link Int8Codes}: 128 bytes plus 16 bytes of floats
 * per template), which {@link GalleryMatcher} scans to find the few templates that can be among a
 * probe's nearest before re-ranking them exactly.
 *
 * <p>Rows stay compact: a removal moves the last row into the hole (swap-remove) and zeroes the
 * vacated row (float and int8), so erased descriptors do not linger in memory. Only the last
 * block grows, by doubling up to {@link #BLOCK_ROWS}; full blocks are never copied again, so
 * growth never needs twice the gallery's memory.
 *
 * <p>Thread-safety: one writer and any number of readers. Writes ({@link #add},
 * {@link #remove}, {@link #removeSubject}, {@link #close}) take a write lock; matching holds the
 * read lock for the whole call, so it sees one consistent state and a write waits for the matches
 * in flight (at most one batch's matrix products).
 *
 * <p>Off-heap memory is released by {@link #close()}, after zeroing.
 */
public final class Gallery implements AutoCloseable {
    public static final int DIMENSIONS = 128;
    /** Rows per block: one gemm's share of the gallery (32 MiB of float32 descriptors). */
    public static final int BLOCK_ROWS = 1 << 16;
    private static final int BLOCK_SHIFT = 16;
    private static final int FIRST_BLOCK_ROWS = 1024;

    /** One enrolled descriptor. */
    public record Template(String subjectId, String templateId, float[] descriptor) {
        public Template {
            requireId(subjectId, "subjectId");
            requireId(templateId, "templateId");
            checkDescriptor(descriptor);
        }
    }

    /**
     * A contiguous run of rows: exact descriptors, their int8 codes, the per-row figures the scan
     * bounds its error with, and the ids of each row. Single rows are read and written through the
     * host buffer (a microsecond, where one ND4J op on a row view costs 100+ µs); the location calls
     * keep ND4J's CUDA backend in step and cost nothing on CPU.
     */
    static final class Block {
        INDArray rows;
        /** [capacity, 128] int8 codes, row-major like {@link #rows}: the matrix the scan multiplies. */
        INDArray codes;
        float[] squaredNorms;
        /** The scan's floor for the score: |g|²·(1 − margin), or −∞ for a row kept for exact re-ranking. */
        float[] floors;
        /** s_g: code value 1 in descriptor units (0 for zero and exact-only rows). */
        float[] scales;
        /** s_g·‖q‖, rounded up. */
        float[] codeNorms;
        /** ‖g − s_g·q‖ + 2·margin·|g|, rounded up. */
        float[] residuals;
        /** Upper bounds of {@link #codeNorms} and {@link #residuals} over the block (never lowered). */
        float maxCodeNorm;
        float maxResidual;
        String[] subjectIds;
        String[] templateIds;
        int used;

        Block(int capacity) {
            rows = Nd4j.create(DataType.FLOAT, capacity, DIMENSIONS);
            codes = Nd4j.create(DataType.BYTE, capacity, DIMENSIONS);
            squaredNorms = new float[capacity];
            floors = new float[capacity];
            scales = new float[capacity];
            codeNorms = new float[capacity];
            residuals = new float[capacity];
            subjectIds = new String[capacity];
            templateIds = new String[capacity];
        }

        int capacity() {
            return squaredNorms.length;
        }

        void readRow(int offset, float[] into) {
            Nd4j.getAffinityManager().ensureLocation(rows, AffinityManager.Location.HOST);
            rows.data().asNioFloat().get(offset * DIMENSIONS, into, 0, DIMENSIONS);
        }

        void readCodes(int offset, byte[] into) {
            Nd4j.getAffinityManager().ensureLocation(codes, AffinityManager.Location.HOST);
            codes.data().asNio().get(offset * DIMENSIONS, into, 0, DIMENSIONS);
        }

        /** Writes the descriptor and its code with the code's error figures. */
        void writeRow(int offset, float[] values) {
            Nd4j.getAffinityManager().ensureLocation(rows, AffinityManager.Location.HOST);
            rows.data().asNioFloat().put(offset * DIMENSIONS, values, 0, DIMENSIONS);
            Nd4j.getAffinityManager().tagLocation(rows, AffinityManager.Location.HOST);
            byte[] code = new byte[DIMENSIONS];
            float scale = Int8Codes.encode(values, code, 0);
            Nd4j.getAffinityManager().ensureLocation(codes, AffinityManager.Location.HOST);
            codes.data().asNio().put(offset * DIMENSIONS, code, 0, DIMENSIONS);
            Nd4j.getAffinityManager().tagLocation(codes, AffinityManager.Location.HOST);
            float squaredNorm = squaredNorm(values);
            squaredNorms[offset] = squaredNorm;
            if (Int8Codes.scannable(values)) {
                floors[offset] = squaredNorm * (1 - Int8Codes.MARGIN);
                scales[offset] = scale;
                codeNorms[offset] = Int8Codes.codeNorm(code, 0, scale);
                residuals[offset] = Int8Codes.roundUp(Int8Codes.residualNorm(values, code, 0, scale)
                        + 2.0 * Int8Codes.MARGIN * Int8Codes.norm(values));
                maxCodeNorm = Math.max(maxCodeNorm, codeNorms[offset]);
                maxResidual = Math.max(maxResidual, residuals[offset]);
            } else {
                floors[offset] = Float.NEGATIVE_INFINITY;
                scales[offset] = 0;
                codeNorms[offset] = 0;
                residuals[offset] = 0;
            }
        }

        /** Moves row {@code from} of {@code source} here, at {@code to}. */
        void moveRow(Block source, int from, int to) {
            float[] moved = new float[DIMENSIONS];
            source.readRow(from, moved);
            Nd4j.getAffinityManager().ensureLocation(rows, AffinityManager.Location.HOST);
            rows.data().asNioFloat().put(to * DIMENSIONS, moved, 0, DIMENSIONS);
            Nd4j.getAffinityManager().tagLocation(rows, AffinityManager.Location.HOST);
            byte[] code = new byte[DIMENSIONS];
            source.readCodes(from, code);
            Nd4j.getAffinityManager().ensureLocation(codes, AffinityManager.Location.HOST);
            codes.data().asNio().put(to * DIMENSIONS, code, 0, DIMENSIONS);
            Nd4j.getAffinityManager().tagLocation(codes, AffinityManager.Location.HOST);
            squaredNorms[to] = source.squaredNorms[from];
            floors[to] = source.floors[from];
            scales[to] = source.scales[from];
            codeNorms[to] = source.codeNorms[from];
            residuals[to] = source.residuals[from];
            maxCodeNorm = Math.max(maxCodeNorm, codeNorms[to]);
            maxResidual = Math.max(maxResidual, residuals[to]);
            subjectIds[to] = source.subjectIds[from];
            templateIds[to] = source.templateIds[from];
        }

        /** Zeroes a row: descriptor, code and figures. */
        void clearRow(int offset) {
            Nd4j.getAffinityManager().ensureLocation(rows, AffinityManager.Location.HOST);
            rows.data().asNioFloat().put(offset * DIMENSIONS, new float[DIMENSIONS], 0, DIMENSIONS);
            Nd4j.getAffinityManager().tagLocation(rows, AffinityManager.Location.HOST);
            Nd4j.getAffinityManager().ensureLocation(codes, AffinityManager.Location.HOST);
            codes.data().asNio().put(offset * DIMENSIONS, new byte[DIMENSIONS], 0, DIMENSIONS);
            Nd4j.getAffinityManager().tagLocation(codes, AffinityManager.Location.HOST);
            squaredNorms[offset] = 0;
            floors[offset] = 0;
            scales[offset] = 0;
            codeNorms[offset] = 0;
            residuals[offset] = 0;
            subjectIds[offset] = null;
            templateIds[offset] = null;
        }

        void grow(int newCapacity) {
            INDArray larger = Nd4j.create(DataType.FLOAT, newCapacity, DIMENSIONS);
            larger.get(NDArrayIndex.interval(0, used), NDArrayIndex.all()).assign(rows.get(NDArrayIndex.interval(0, used), NDArrayIndex.all()));
            Gallery.erase(rows);
            rows = larger;
            INDArray largerCodes = Nd4j.create(DataType.BYTE, newCapacity, DIMENSIONS);
            largerCodes.get(NDArrayIndex.interval(0, used), NDArrayIndex.all()).assign(codes.get(NDArrayIndex.interval(0, used), NDArrayIndex.all()));
            Gallery.erase(codes);
            codes = largerCodes;
            squaredNorms = Arrays.copyOf(squaredNorms, newCapacity);
            floors = Arrays.copyOf(floors, newCapacity);
            scales = Arrays.copyOf(scales, newCapacity);
            codeNorms = Arrays.copyOf(codeNorms, newCapacity);
            residuals = Arrays.copyOf(residuals, newCapacity);
            subjectIds = Arrays.copyOf(subjectIds, newCapacity);
            templateIds = Arrays.copyOf(templateIds, newCapacity);
        }

        void erase() {
            Gallery.erase(rows);
            Gallery.erase(codes);
        }
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final List<Block> blocks = new ArrayList<>();
    /** templateId -> global row. */
    private final Map<String, Integer> rowOfTemplate = new HashMap<>();
    /** subjectId -> its templateIds, in enrolment order. */
    private final Map<String, Set<String>> templatesOfSubject = new LinkedHashMap<>();
    private int size;
    private boolean closed;

    /** Enrols a descriptor; the template id must be new. */
    public void add(String subjectId, String templateId, float[] descriptor) {
        addAll(List.of(new Template(subjectId, templateId, descriptor)));
    }

    /**
     * Enrols several descriptors with one copy into the matrix per block touched; all template ids
     * must be new (and distinct), else nothing is added.
     */
    public void addAll(List<Template> templates) {
        lock.writeLock().lock();
        try {
            checkOpen();
            Set<String> incoming = new HashSet<>();
            for (Template t : templates) {
                if (rowOfTemplate.containsKey(t.templateId()) || !incoming.add(t.templateId())) {
                    throw new IllegalArgumentException("template " + t.templateId() + " is already enrolled");
                }
            }
            int next = 0;
            while (next < templates.size()) {
                Block tail = tailWithRoom(templates.size() - next);
                int count = Math.min(templates.size() - next, tail.capacity() - tail.used);
                writeRows(tail, templates.subList(next, next + count));
                next += count;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes one template; false when it is not enrolled. */
    public boolean remove(String templateId) {
        lock.writeLock().lock();
        try {
            checkOpen();
            Integer row = rowOfTemplate.get(templateId);
            if (row == null) {
                return false;
            }
            String subjectId = block(row).subjectIds[offset(row)];
            Set<String> siblings = templatesOfSubject.get(subjectId);
            siblings.remove(templateId);
            if (siblings.isEmpty()) {
                templatesOfSubject.remove(subjectId);
            }
            removeRow(row);
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Erases every template of a subject; returns how many were removed (0 when unknown). */
    public int removeSubject(String subjectId) {
        lock.writeLock().lock();
        try {
            checkOpen();
            Set<String> templateIds = templatesOfSubject.remove(subjectId);
            if (templateIds == null) {
                return 0;
            }
            for (String templateId : templateIds) {
                removeRow(rowOfTemplate.get(templateId));
            }
            return templateIds.size();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Number of enrolled templates. */
    public int size() {
        lock.readLock().lock();
        try {
            return size;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The enrolled subjects, in enrolment order (a copy). */
    public Set<String> subjects() {
        lock.readLock().lock();
        try {
            return Collections.unmodifiableSet(new LinkedHashSet<>(templatesOfSubject.keySet()));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The template ids of a subject, in enrolment order (a copy; empty when unknown). */
    public Set<String> templatesOf(String subjectId) {
        lock.readLock().lock();
        try {
            Set<String> ids = templatesOfSubject.get(subjectId);
            return ids == null ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(ids));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The enrolled descriptor of a template (a copy), or null. */
    public float[] descriptor(String templateId) {
        lock.readLock().lock();
        try {
            Integer row = rowOfTemplate.get(templateId);
            if (row == null) {
                return null;
            }
            float[] descriptor = new float[DIMENSIONS];
            block(row).readRow(offset(row), descriptor);
            return descriptor;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Bytes of exact float32 descriptor matrices allocated off-heap (capacity, not just the used rows). */
    public long matrixBytes() {
        return capacityRows() * DIMENSIONS * Float.BYTES;
    }

    /**
     * Bytes the first-pass scan reads per probe batch: the int8 codes (off-heap) and the four
     * per-row floats that bound their error (heap), over the allocated capacity.
     */
    public long scanBytes() {
        return capacityRows() * (DIMENSIONS + 4L * Float.BYTES);
    }

    private long capacityRows() {
        lock.readLock().lock();
        try {
            long rows = 0;
            for (Block b : blocks) {
                rows += b.capacity();
            }
            return rows;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Zeroes and releases the matrices; the gallery is unusable afterwards. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (Block b : blocks) {
                b.erase();
            }
            blocks.clear();
            rowOfTemplate.clear();
            templatesOfSubject.clear();
            size = 0;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** What a reader sees: the blocks (all full but the last) and the number of subjects. */
    record View(List<Block> blocks, int size, int subjectCount) {}

    /** Runs {@code reader} under the read lock: nothing changes while it runs. */
    <T> T read(Function<View, T> reader) {
        lock.readLock().lock();
        try {
            checkOpen();
            return reader.apply(new View(Collections.unmodifiableList(blocks), size, templatesOfSubject.size()));
        } finally {
            lock.readLock().unlock();
        }
    }

    private Block tailWithRoom(int wanted) {
        Block tail = blocks.isEmpty() ? null : blocks.get(blocks.size() - 1);
        if (tail != null && tail.used < tail.capacity()) {
            return tail;
        }
        if (tail != null && tail.capacity() < BLOCK_ROWS) {
            tail.grow(Math.min(BLOCK_ROWS, Math.max(tail.capacity() * 2, ceilPowerOfTwo(tail.used + wanted))));
            return tail;
        }
        Block fresh = new Block(Math.min(BLOCK_ROWS, Math.max(FIRST_BLOCK_ROWS, ceilPowerOfTwo(wanted))));
        blocks.add(fresh);
        return fresh;
    }

    private void writeRows(Block block, List<Template> templates) {
        int first = block.used;
        for (int i = 0; i < templates.size(); i++) {
            Template t = templates.get(i);
            block.writeRow(first + i, t.descriptor());
            block.subjectIds[first + i] = t.subjectId();
            block.templateIds[first + i] = t.templateId();
            rowOfTemplate.put(t.templateId(), globalRow(blocks.size() - 1, first + i));
            templatesOfSubject.computeIfAbsent(t.subjectId(), s -> new LinkedHashSet<>()).add(t.templateId());
        }
        block.used += templates.size();
        size += templates.size();
    }

    /** Moves the last row into {@code row}, zeroes the vacated last row, drops an empty tail block. */
    private void removeRow(int row) {
        int last = size - 1;
        Block target = block(row);
        Block tail = block(last);
        int to = offset(row);
        int from = offset(last);
        rowOfTemplate.remove(target.templateIds[to]);
        if (row != last) {
            target.moveRow(tail, from, to);
            rowOfTemplate.put(target.templateIds[to], row);
        }
        tail.clearRow(from);
        tail.used--;
        size--;
        if (tail.used == 0 && blocks.size() > 1) {
            tail.erase();
            blocks.remove(blocks.size() - 1);
        }
    }

    private Block block(int row) {
        return blocks.get(row >>> BLOCK_SHIFT);
    }

    private static int offset(int row) {
        return row & (BLOCK_ROWS - 1);
    }

    private static int globalRow(int blockIndex, int offset) {
        return (blockIndex << BLOCK_SHIFT) + offset;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("gallery is closed");
        }
    }

    private static void erase(INDArray matrix) {
        matrix.assign(0);
        matrix.close();
    }

    private static int ceilPowerOfTwo(int n) {
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }

    static float squaredNorm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return (float) sum;
    }

    private static void requireId(String id, String what) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
    }

    static void checkDescriptor(float[] descriptor) {
        if (descriptor == null || descriptor.length != DIMENSIONS) {
            throw new IllegalArgumentException("a descriptor has " + DIMENSIONS + " values, not "
                    + (descriptor == null ? "null" : descriptor.length));
        }
        for (float x : descriptor) {
            if (!Float.isFinite(x)) {
                throw new IllegalArgumentException("descriptor holds a non-finite value: " + x);
            }
        }
    }
}
