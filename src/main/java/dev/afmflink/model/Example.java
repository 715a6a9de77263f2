package dev.afmflink.model;

import java.util.Arrays;

/**
 * One example: the non-zero features (64-bit id, value) and a label. Mutable and reusable, so a
 * reader can fill the same instance for every line. {@link #normalize()} sorts the features by id
 * and merges repeated ids (values summed), which makes every prediction independent of the order
 * the features came in, bit for bit.
 */
public final class Example {
    public long[] ids;
    public double[] values;
    public int size;
    public double label;
    /**
     * The field name of each feature, aligned with {@link #ids} after {@link #normalize()} (JSON
     * events; null when unknown, as for libfm lines). Only read to name attention pairs.
     */
    public String[] fields;

    public Example() {
        this(16);
    }

    public Example(int capacity) {
        ids = new long[Math.max(capacity, 1)];
        values = new double[Math.max(capacity, 1)];
    }

    public static Example of(double label, long[] ids, double[] values) {
        Example e = new Example(ids.length);
        e.label = label;
        for (int i = 0; i < ids.length; i++) {
            e.add(ids[i], values[i]);
        }
        return e.normalize();
    }

    public void clear() {
        size = 0;
        label = 0;
    }

    public void add(long id, double value) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        ids[size] = id;
        values[size] = value;
        size++;
    }

    /** Sorts by id, sums the values of repeated ids, drops zero values. Returns this. */
    public Example normalize() {
        // insertion sort: examples are short and often already sorted
        for (int i = 1; i < size; i++) {
            long id = ids[i];
            double v = values[i];
            int j = i - 1;
            while (j >= 0 && ids[j] > id) {
                ids[j + 1] = ids[j];
                values[j + 1] = values[j];
                j--;
            }
            ids[j + 1] = id;
            values[j + 1] = v;
        }
        int out = 0;
        for (int i = 0; i < size; i++) {
            if (out > 0 && ids[out - 1] == ids[i]) {
                values[out - 1] += values[i];
            } else {
                ids[out] = ids[i];
                values[out] = values[i];
                out++;
            }
        }
        int kept = 0;
        for (int i = 0; i < out; i++) {
            if (values[i] != 0.0) {
                ids[kept] = ids[i];
                values[kept] = values[i];
                kept++;
            }
        }
        size = kept;
        return this;
    }

    public Example copy() {
        Example e = new Example(size);
        System.arraycopy(ids, 0, e.ids, 0, size);
        System.arraycopy(values, 0, e.values, 0, size);
        e.size = size;
        e.label = label;
        e.fields = fields;
        return e;
    }
}
