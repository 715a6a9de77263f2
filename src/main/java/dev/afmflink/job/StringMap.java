package dev.afmflink.job;

import java.util.Arrays;

/**
 * A hash map from strings to values (null allowed: the label join's "gone" mark), open addressing
 * with linear probing: no node per entry. A key and its value sit side by side in one array, so a
 * lookup that finds its key where it starts (most do: the table is at most half full) reads one cache
 * line of the table; a key is compared by identity first (the label join looks an impression up by the
 * very id it was put with), then by its hash (an array of them beside) and its text. The write-back
 * buffer's join entries and scores, one of each per held impression: docs/benchmarks.md. Not ordered;
 * iterate with {@link #capacity}, {@link #used}, {@link #keyAt} and {@link #valueAt}.
 */
final class StringMap<V> {
    private static final int MIN_CAPACITY = 16;
    /** Slot i: its key at 2i (null: empty), its value at 2i + 1. */
    private Object[] table;
    private int[] hashes;
    private int size;
    private int mask;

    StringMap() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        table = new Object[2 * capacity];
        hashes = new int[capacity];
        mask = capacity - 1;
    }

    private static int hash(String key) {
        int h = key.hashCode() * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The slot of {@code key} ({@link #keyAt}, {@link #valueAt}), or -1: one lookup where a null value and an absent key differ. */
    int slotOf(String key) {
        int h = hash(key);
        for (int i = h & mask; ; i = (i + 1) & mask) {
            Object k = table[2 * i];
            if (k == key) {
                return i;
            }
            if (k == null) {
                return -1;
            }
            if (hashes[i] == h && k.equals(key)) {
                return i;
            }
        }
    }

    boolean containsKey(String key) {
        return slotOf(key) >= 0;
    }

    /** The value of {@code key}: null if absent or mapped to null. */
    @SuppressWarnings("unchecked")
    V get(String key) {
        int i = slotOf(key);
        return i < 0 ? null : (V) table[2 * i + 1];
    }

    void put(String key, V value) {
        int h = hash(key);
        int i = h & mask;
        for (Object k; (k = table[2 * i]) != null; i = (i + 1) & mask) {
            if (k == key || hashes[i] == h && k.equals(key)) {
                table[2 * i + 1] = value;
                return;
            }
        }
        table[2 * i] = key;
        table[2 * i + 1] = value;
        hashes[i] = h;
        if (++size > (mask + 1) / 2) { // at most half full: a miss (most takes of a timer) probes ~2.5 slots, not ~8.5
            grow();
        }
    }

    /** Removes {@code key}; returns its value (null if absent or mapped to null). */
    @SuppressWarnings("unchecked")
    V remove(String key) {
        int i = slotOf(key);
        if (i < 0) {
            return null;
        }
        V old = (V) table[2 * i + 1];
        // backward shift: later entries of the probe run move up so no lookup stops at the hole
        int hole = i;
        for (int j = (i + 1) & mask; table[2 * j] != null; j = (j + 1) & mask) {
            int home = hashes[j] & mask;
            if (hole <= j ? (home <= hole || home > j) : (home <= hole && home > j)) {
                table[2 * hole] = table[2 * j];
                table[2 * hole + 1] = table[2 * j + 1];
                hashes[hole] = hashes[j];
                hole = j;
            }
        }
        table[2 * hole] = null;
        table[2 * hole + 1] = null;
        size--;
        return old;
    }

    void clear() {
        if (size > 0) {
            Arrays.fill(table, null);
            size = 0;
        }
        if (hashes.length > 1 << 17) { // a burst made it large: give the memory back
            allocate(MIN_CAPACITY);
        }
    }

    private void grow() {
        Object[] old = table;
        int[] oldHashes = hashes;
        allocate(oldHashes.length * 2);
        for (int i = 0; i < oldHashes.length; i++) {
            if (old[2 * i] != null) {
                int j = oldHashes[i] & mask;
                while (table[2 * j] != null) {
                    j = (j + 1) & mask;
                }
                table[2 * j] = old[2 * i];
                table[2 * j + 1] = old[2 * i + 1];
                hashes[j] = oldHashes[i];
            }
        }
    }

    /** Slots to iterate over: {@code 0 <= i < capacity()}. */
    int capacity() {
        return hashes.length;
    }

    /** Slot {@code i} holds an entry. */
    boolean used(int i) {
        return table[2 * i] != null;
    }

    String keyAt(int i) {
        return (String) table[2 * i];
    }

    @SuppressWarnings("unchecked")
    V valueAt(int i) {
        return (V) table[2 * i + 1];
    }
}
