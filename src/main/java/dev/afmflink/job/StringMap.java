package dev.afmflink.job;

import java.util.Arrays;

/**
 * A hash map from strings to values (null allowed: the label join's "gone" mark), open addressing
 * with linear probing over an array of the keys' hashes: a lookup reads the hash array and compares
 * a key only where its hash matches, with no node per entry (the write-back buffer's join entries
 * and scores, one of each per held impression: docs/benchmarks.md). Not ordered; iterate with
 * {@link #capacity}, {@link #used}, {@link #keyAt} and {@link #valueAt}.
 */
final class StringMap<V> {
    private static final int MIN_CAPACITY = 16;
    private String[] keys;
    private int[] hashes;
    private Object[] values;
    private int size;
    private int mask;

    StringMap() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        keys = new String[capacity];
        hashes = new int[capacity];
        values = new Object[capacity];
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

    /** The slot of {@code key}, or -1. */
    private int find(String key) {
        int h = hash(key);
        for (int i = h & mask; ; i = (i + 1) & mask) {
            String k = keys[i];
            if (k == null) {
                return -1;
            }
            if (hashes[i] == h && k.equals(key)) {
                return i;
            }
        }
    }

    boolean containsKey(String key) {
        return find(key) >= 0;
    }

    /** The value of {@code key}: null if absent or mapped to null. */
    @SuppressWarnings("unchecked")
    V get(String key) {
        int i = find(key);
        return i < 0 ? null : (V) values[i];
    }

    void put(String key, V value) {
        int h = hash(key);
        int i = h & mask;
        for (String k; (k = keys[i]) != null; i = (i + 1) & mask) {
            if (hashes[i] == h && k.equals(key)) {
                values[i] = value;
                return;
            }
        }
        keys[i] = key;
        hashes[i] = h;
        values[i] = value;
        if (++size > (mask + 1) / 2) { // at most half full: a miss (most takes of a timer) probes ~2.5 slots, not ~8.5
            grow();
        }
    }

    /** Removes {@code key}; returns its value (null if absent or mapped to null). */
    @SuppressWarnings("unchecked")
    V remove(String key) {
        int i = find(key);
        if (i < 0) {
            return null;
        }
        V old = (V) values[i];
        // backward shift: later entries of the probe run move up so no lookup stops at the hole
        int hole = i;
        for (int j = (i + 1) & mask; keys[j] != null; j = (j + 1) & mask) {
            int home = hashes[j] & mask;
            if (hole <= j ? (home <= hole || home > j) : (home <= hole && home > j)) {
                keys[hole] = keys[j];
                hashes[hole] = hashes[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        keys[hole] = null;
        values[hole] = null;
        size--;
        return old;
    }

    void clear() {
        if (size > 0) {
            Arrays.fill(keys, null);
            Arrays.fill(values, null);
            size = 0;
        }
        if (keys.length > 1 << 17) { // a burst made it large: give the memory back
            allocate(MIN_CAPACITY);
        }
    }

    private void grow() {
        String[] oldKeys = keys;
        int[] oldHashes = hashes;
        Object[] oldValues = values;
        allocate(oldKeys.length * 2);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != null) {
                int j = oldHashes[i] & mask;
                while (keys[j] != null) {
                    j = (j + 1) & mask;
                }
                keys[j] = oldKeys[i];
                hashes[j] = oldHashes[i];
                values[j] = oldValues[i];
            }
        }
    }

    /** Slots to iterate over: {@code 0 <= i < capacity()}. */
    int capacity() {
        return keys.length;
    }

    /** Slot {@code i} holds an entry. */
    boolean used(int i) {
        return keys[i] != null;
    }

    String keyAt(int i) {
        return keys[i];
    }

    @SuppressWarnings("unchecked")
    V valueAt(int i) {
        return (V) values[i];
    }
}
