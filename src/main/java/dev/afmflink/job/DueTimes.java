package dev.afmflink.job;

import java.util.Arrays;

/**
 * One model key's event times with work due (a held bucket's time, a validation window's close, a
 * sweep, a publish tick), in one min-heap of primitive longs, and the one of them that has a timer
 * in Flink's timer service: the key keeps a single event-time timer, at its earliest due time,
 * instead of one per distinct time (up to three per impression in the ordered mode). When it fires,
 * the trainer takes every due time up to the watermark from here, earliest first, as Flink would
 * have fired their timers. Times may repeat in the heap (a repeat is dropped when it comes up);
 * written to keyed state at every flush, repeats left out.
 */
final class DueTimes {
    /** No timer registered. */
    static final long NONE = Long.MIN_VALUE;

    private long[] heap = new long[16];
    private int size;
    /** The due time Flink's timer service has a timer for ({@link #NONE}: none). */
    long registered = NONE;
    /** Changed since it was last written to state. */
    boolean dirty;

    boolean isEmpty() {
        return size == 0;
    }

    /** The earliest due time ({@code Long.MAX_VALUE} if none). */
    long min() {
        return size == 0 ? Long.MAX_VALUE : heap[0];
    }

    void add(long t) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        int i = size++;
        while (i > 0) { // due times mostly arrive in time order: the loop rarely runs
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= t) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = t;
        dirty = true;
    }

    /** Takes the earliest due time and every repeat of it. */
    long pollMin() {
        long t = heap[0];
        do {
            removeTop();
        } while (size > 0 && heap[0] == t);
        dirty = true;
        return t;
    }

    private void removeTop() {
        long last = heap[--size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= last) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        if (size > 0) {
            heap[i] = last;
        }
    }

    /** The state's form: the registered time, then the due times ascending, each once. */
    long[] toState() {
        long[] sorted = Arrays.copyOf(heap, size);
        Arrays.sort(sorted);
        int n = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) {
                sorted[n++] = sorted[i];
            }
        }
        long[] out = new long[n + 1];
        out[0] = registered;
        System.arraycopy(sorted, 0, out, 1, n);
        return out;
    }

    /** From {@link #toState} (null: a key without any, or state from before this class). */
    static DueTimes fromState(long[] s) {
        DueTimes d = new DueTimes();
        if (s != null && s.length > 0) {
            d.registered = s[0];
            d.heap = Arrays.copyOfRange(s, 1, Math.max(s.length, 17)); // ascending: already a heap
            d.size = s.length - 1;
        }
        return d;
    }
}
