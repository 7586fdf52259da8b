package io.biostream.operators.identity;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * The enrolled face templates that probes are matched against (1:N).
 *
 * <p>Brute-force stand-in with the API of the ND4J gallery (branch gallery), which replaces it on
 * merge: descriptors are kept as Java arrays, and a removed descriptor is zeroed before it is
 * dropped so erased templates do not linger in memory. One writer and any number of readers.
 */
public final class Gallery implements AutoCloseable {
    public static final int DIMENSIONS = 128;

    /** One enrolled descriptor. */
    record Template(String subjectId, String templateId, float[] descriptor) {}

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** templateId -> template, in enrolment order. */
    private final Map<String, Template> templates = new LinkedHashMap<>();

    /** Enrols a descriptor; the template id must be new. */
    public void add(String subjectId, String templateId, float[] descriptor) {
        requireId(subjectId, "subjectId");
        requireId(templateId, "templateId");
        checkDescriptor(descriptor);
        lock.writeLock().lock();
        try {
            if (templates.containsKey(templateId)) {
                throw new IllegalArgumentException("template " + templateId + " is already enrolled");
            }
            templates.put(templateId, new Template(subjectId, templateId, descriptor.clone()));
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes one template; false when it is not enrolled. */
    public boolean remove(String templateId) {
        lock.writeLock().lock();
        try {
            Template gone = templates.remove(templateId);
            if (gone == null) {
                return false;
            }
            Arrays.fill(gone.descriptor(), 0f);
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Erases every template of a subject; returns how many were removed (0 when unknown). */
    public int removeSubject(String subjectId) {
        lock.writeLock().lock();
        try {
            List<String> gone = new ArrayList<>();
            for (Template t : templates.values()) {
                if (t.subjectId().equals(subjectId)) {
                    gone.add(t.templateId());
                }
            }
            for (String id : gone) {
                Arrays.fill(templates.remove(id).descriptor(), 0f);
            }
            return gone.size();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Number of enrolled templates. */
    public int size() {
        lock.readLock().lock();
        try {
            return templates.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Zeroes and drops every template. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            templates.values().forEach(t -> Arrays.fill(t.descriptor(), 0f));
            templates.clear();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Runs {@code reader} over the templates under the read lock: nothing changes while it runs. */
    <T> T read(Function<Iterable<Template>, T> reader) {
        lock.readLock().lock();
        try {
            return reader.apply(templates.values());
        } finally {
            lock.readLock().unlock();
        }
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
