package io.biostream.operators.identity;

import java.util.HashMap;
import java.util.Map;

/**
 * The k subjects with the lowest scores seen so far, one entry per subject (its lowest score), fed
 * one gallery row at a time. A max-heap on score: {@link #bound()} is the score a row must beat to
 * enter, so the caller skips almost every row with one comparison.
 *
 * <p>Evicting a subject and forgetting its score is safe: the bound never rises, so a later row
 * of an evicted subject only enters when it beats the bound, and then it is that subject's best.
 */
final class SubjectShortlist {
    private final int capacity;
    private final float[] scores;
    private final int[] rows;
    private final String[] subjects;
    private final Map<String, Integer> slotOfSubject;
    private int size;

    SubjectShortlist(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("k must be at least 1, not " + capacity);
        }
        this.capacity = capacity;
        this.scores = new float[capacity];
        this.rows = new int[capacity];
        this.subjects = new String[capacity];
        this.slotOfSubject = new HashMap<>(Math.min(capacity, 1 << 16) * 2);
    }

    /** Rows scoring at or above this cannot enter. */
    float bound() {
        return size < capacity ? Float.POSITIVE_INFINITY : scores[0];
    }

    /** Offers a row of {@code subject}; call only when {@code score < bound()}. */
    void offer(String subject, int row, float score) {
        Integer slot = slotOfSubject.get(subject);
        if (slot != null) {
            if (score < scores[slot]) {
                scores[slot] = score;
                rows[slot] = row;
                siftDown(slot);
            }
            return;
        }
        if (size < capacity) {
            set(size, subject, row, score);
            siftUp(size++);
            return;
        }
        slotOfSubject.remove(subjects[0]);
        set(0, subject, row, score);
        siftDown(0);
    }

    int size() {
        return size;
    }

    /** Entry {@code i}'s row, in heap order (not sorted). */
    int row(int i) {
        return rows[i];
    }

    String subject(int i) {
        return subjects[i];
    }

    private void set(int slot, String subject, int row, float score) {
        subjects[slot] = subject;
        rows[slot] = row;
        scores[slot] = score;
        slotOfSubject.put(subject, slot);
    }

    private void siftUp(int slot) {
        while (slot > 0) {
            int parent = (slot - 1) >>> 1;
            if (scores[parent] >= scores[slot]) {
                return;
            }
            swap(slot, parent);
            slot = parent;
        }
    }

    private void siftDown(int slot) {
        while (true) {
            int left = 2 * slot + 1;
            if (left >= size) {
                return;
            }
            int larger = left + 1 < size && scores[left + 1] > scores[left] ? left + 1 : left;
            if (scores[slot] >= scores[larger]) {
                return;
            }
            swap(slot, larger);
            slot = larger;
        }
    }

    private void swap(int a, int b) {
        float score = scores[a];
        scores[a] = scores[b];
        scores[b] = score;
        int row = rows[a];
        rows[a] = rows[b];
        rows[b] = row;
        String subject = subjects[a];
        subjects[a] = subjects[b];
        subjects[b] = subject;
        slotOfSubject.put(subjects[a], a);
        slotOfSubject.put(subjects[b], b);
    }
}
