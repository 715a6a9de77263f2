package dev.afmflink.job;

import java.util.Arrays;

/**
 * A hash map from primitive long keys to non-null values, open addressing with linear probing: no
 * boxed key and no node per entry, so a lookup reads one slot of a long array instead of following
 * a node and a {@code Long} (the write-back buffer's rows and held buckets: docs/benchmarks.md). Not
 * ordered; iterate with {@link #capacity}, {@link #keyAt} and {@link #valueAt} (empty slots: null).
 */
final class LongMap<V> {
    private static final int MIN_CAPACITY = 16;
    private long[] keys;
    private Object[] values;
    private int size;
    private int mask;

    LongMap() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
    }

    /** The slot {@code key} starts its probe at (a multiplicative hash: consecutive keys, event times, spread). */
    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        for (int i = slot(key); ; i = (i + 1) & mask) {
            Object v = values[i];
            if (v == null) {
                return null;
            }
            if (keys[i] == key) {
                return (V) v;
            }
        }
    }

    boolean containsKey(long key) {
        return get(key) != null;
    }

    /** Maps {@code key} to {@code value} (not null); returns the value it had, or null. */
    @SuppressWarnings("unchecked")
    V put(long key, V value) {
        if (value == null) {
            throw new NullPointerException("a LongMap holds no null values");
        }
        int i = slot(key);
        for (; values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == key) {
                V old = (V) values[i];
                values[i] = value;
                return old;
            }
        }
        keys[i] = key;
        values[i] = value;
        if (++size > (mask + 1) / 2) { // at most half full: a miss (most takes of a timer) probes ~2.5 slots, not ~8.5
            grow();
        }
        return null;
    }

    /** Removes {@code key}; returns its value, or null. */
    @SuppressWarnings("unchecked")
    V remove(long key) {
        int i = slot(key);
        for (; ; i = (i + 1) & mask) {
            Object v = values[i];
            if (v == null) {
                return null;
            }
            if (keys[i] == key) {
                break;
            }
        }
        V old = (V) values[i];
        // backward shift: later entries of the probe run move up so no lookup stops at the hole
        int hole = i;
        for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
            int home = slot(keys[j]);
            // the entry at j may fill the hole if its home is not in (hole, j] (cyclically)
            if (hole <= j ? (home <= hole || home > j) : (home <= hole && home > j)) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        values[hole] = null;
        size--;
        return old;
    }

    void clear() {
        if (size > 0) {
            Arrays.fill(values, null);
            size = 0;
        }
        if (values.length > 1 << 17) { // a burst made it large: give the memory back
            allocate(MIN_CAPACITY);
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        allocate(oldKeys.length * 2);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) {
                int j = slot(oldKeys[i]);
                while (values[j] != null) {
                    j = (j + 1) & mask;
                }
                keys[j] = oldKeys[i];
                values[j] = oldValues[i];
            }
        }
    }

    /** Slots to iterate over: {@code 0 <= i < capacity()}. */
    int capacity() {
        return values.length;
    }

    long keyAt(int i) {
        return keys[i];
    }

    /** The value in slot {@code i}; null for an empty slot. */
    @SuppressWarnings("unchecked")
    V valueAt(int i) {
        return (V) values[i];
    }
}
