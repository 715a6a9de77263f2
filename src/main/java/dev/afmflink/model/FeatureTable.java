package dev.afmflink.model;

import java.util.Arrays;

/**
 * An open-addressing map from feature id to {@link FeatureParams}, for the offline trainer and
 * the serving side (the Flink job keeps the same rows in {@code MapState} instead). No boxing,
 * linear probing, load factor ≤ 0.5.
 */
public final class FeatureTable {
    private long[] keys;
    private FeatureParams[] vals;
    private boolean[] used;
    private int size;

    public FeatureTable() {
        this(1024);
    }

    public FeatureTable(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        vals = new FeatureParams[cap];
        used = new boolean[cap];
    }

    private static int slot(long key, int mask) {
        return (int) SplitMix64.mix(key) & mask;
    }

    public FeatureParams get(long key) {
        int mask = keys.length - 1;
        for (int s = slot(key, mask); used[s]; s = (s + 1) & mask) {
            if (keys[s] == key) {
                return vals[s];
            }
        }
        return null;
    }

    public void put(long key, FeatureParams value) {
        if (2 * (size + 1) > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int s = slot(key, mask);
        while (used[s]) {
            if (keys[s] == key) {
                vals[s] = value;
                return;
            }
            s = (s + 1) & mask;
        }
        used[s] = true;
        keys[s] = key;
        vals[s] = value;
        size++;
    }

    /** Removes {@code key}; returns the removed row or null. Backward-shift deletion keeps probes short. */
    public FeatureParams remove(long key) {
        int mask = keys.length - 1;
        int s = slot(key, mask);
        while (used[s] && keys[s] != key) {
            s = (s + 1) & mask;
        }
        if (!used[s]) {
            return null;
        }
        FeatureParams old = vals[s];
        int hole = s;
        int q = (s + 1) & mask;
        while (used[q]) {
            int home = slot(keys[q], mask);
            // move q into the hole if its home is not in (hole, q] cyclically
            boolean movable = hole <= q ? (home <= hole || home > q) : (home <= hole && home > q);
            if (movable) {
                keys[hole] = keys[q];
                vals[hole] = vals[q];
                hole = q;
            }
            q = (q + 1) & mask;
        }
        used[hole] = false;
        vals[hole] = null;
        size--;
        return old;
    }

    private void grow() {
        long[] ok = keys;
        FeatureParams[] ov = vals;
        boolean[] ou = used;
        keys = new long[ok.length * 2];
        vals = new FeatureParams[ok.length * 2];
        used = new boolean[ok.length * 2];
        size = 0;
        for (int i = 0; i < ok.length; i++) {
            if (ou[i]) {
                put(ok[i], ov[i]);
            }
        }
    }

    public int size() {
        return size;
    }

    /** The ids in ascending order as unsigned numbers (the model files' order, deterministic). */
    public long[] sortedIds() {
        long[] out = new long[size];
        int n = 0;
        for (int i = 0; i < keys.length; i++) {
            if (used[i]) {
                out[n++] = keys[i];
            }
        }
        return sortUnsigned(out);
    }

    /** Sorts {@code ids} in place, ascending as unsigned 64-bit numbers; returns it. */
    public static long[] sortUnsigned(long[] ids) {
        for (int i = 0; i < ids.length; i++) {
            ids[i] ^= Long.MIN_VALUE; // unsigned order = signed order with the sign bit flipped
        }
        Arrays.sort(ids);
        for (int i = 0; i < ids.length; i++) {
            ids[i] ^= Long.MIN_VALUE;
        }
        return ids;
    }
}
