package io.biostream.operators.identity;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * STAND-IN (branch idjob): a plain in-memory gallery with the public API of the ND4J gallery
 * written on branch {@code gallery}, which replaces this file when both are merged. Enrolled
 * descriptors by template id, grouped by subject. Not thread-safe.
 */
public final class Gallery implements AutoCloseable {
    public static final int DIMENSIONS = 128;

    record Entry(String subjectId, float[] descriptor) {}

    private final Map<String, Entry> byTemplate = new LinkedHashMap<>();
    private final Map<String, Set<String>> templatesOfSubject = new LinkedHashMap<>();

    /** Enrols a descriptor; the template id must be new. */
    public void add(String subjectId, String templateId, float[] descriptor) {
        if (subjectId == null || subjectId.isBlank() || templateId == null || templateId.isBlank()) {
            throw new IllegalArgumentException("subjectId and templateId must not be blank");
        }
        checkDescriptor(descriptor);
        if (byTemplate.containsKey(templateId)) {
            throw new IllegalArgumentException("template " + templateId + " is already enrolled");
        }
        byTemplate.put(templateId, new Entry(subjectId, descriptor.clone()));
        templatesOfSubject.computeIfAbsent(subjectId, s -> new LinkedHashSet<>()).add(templateId);
    }

    /** Removes one template; false when it is not enrolled. */
    public boolean remove(String templateId) {
        Entry entry = byTemplate.remove(templateId);
        if (entry == null) {
            return false;
        }
        Set<String> siblings = templatesOfSubject.get(entry.subjectId());
        siblings.remove(templateId);
        if (siblings.isEmpty()) {
            templatesOfSubject.remove(entry.subjectId());
        }
        java.util.Arrays.fill(entry.descriptor(), 0f);
        return true;
    }

    /** Erases every template of a subject; returns how many were removed (0 when unknown). */
    public int removeSubject(String subjectId) {
        Set<String> templateIds = templatesOfSubject.get(subjectId);
        if (templateIds == null) {
            return 0;
        }
        int removed = 0;
        for (String templateId : Set.copyOf(templateIds)) {
            removed += remove(templateId) ? 1 : 0;
        }
        return removed;
    }

    /** Number of enrolled templates. */
    public int size() {
        return byTemplate.size();
    }

    Map<String, Entry> entries() {
        return byTemplate;
    }

    @Override
    public void close() {
        for (Entry e : byTemplate.values()) {
            java.util.Arrays.fill(e.descriptor(), 0f);
        }
        byTemplate.clear();
        templatesOfSubject.clear();
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
