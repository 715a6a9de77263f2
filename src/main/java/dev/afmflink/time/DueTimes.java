package dev.afmflink.time;

import java.util.Arrays;

/**
 * The event times a model key has work due at, earliest first: a binary min-heap of primitive
 * longs (a time may be in it more than once). The trainer keeps one per key and registers a Flink
 * timer for its earliest entry only, instead of one timer per held bucket: Flink's timer queue then
 * holds a few entries per key rather than thousands, and the key's timers fire at the same times
 * in the same order (docs/benchmarks.md, "One timer per key").
 */
public final class DueTimes {
    private long[] heap = new long[16];
    private int size;

    public boolean isEmpty() {
        return size == 0;
    }

    public int size() {
        return size;
    }

    /** The earliest time; {@link Long#MAX_VALUE} when empty. */
    public long earliest() {
        return size == 0 ? Long.MAX_VALUE : heap[0];
    }

    /** Adds {@code t}; returns true if it is now the earliest (strictly earlier than every other entry). */
    public boolean add(long t) {
        boolean first = size == 0 || t < heap[0];
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= t) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = t;
        return first;
    }

    /** Removes every entry equal to {@code t} at the front; returns how many. */
    public int removeEarliest(long t) {
        int removed = 0;
        while (size > 0 && heap[0] == t) {
            long last = heap[--size];
            if (size > 0) {
                siftDown(last);
            }
            removed++;
        }
        return removed;
    }

    private void siftDown(long t) {
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && heap[right] < heap[child]) {
                child = right;
            }
            if (t <= heap[child]) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = t;
    }

    /** Empties it. */
    public void clear() {
        size = 0;
    }
}
