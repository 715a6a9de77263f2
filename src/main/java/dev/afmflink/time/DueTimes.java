package dev.afmflink.time;

import java.util.Arrays;

/**
 * The event times a model key has work due at, earliest first (a time may be in it more than
 * once). The trainer keeps one per key and registers a Flink timer for its earliest entry only,
 * instead of one timer per held bucket: Flink's timer queue then holds a few entries per key rather
 * than thousands, and the key's timers fire at the same times in the same order (docs/benchmarks.md,
 * "One timer per key").
 *
 * <p>The times come as a few interleaved rising sequences: each impression's own time, its window's
 * end, its tombstone's end, each rising with the input's event time. So an entry goes to the one of
 * a few <i>runs</i> (rings of primitive longs, each non-decreasing) whose last entry is the latest
 * not after it (the greedy that needs the fewest runs), and the earliest entry is the least of the
 * runs' first ones: an add or a removal costs a few comparisons, where a binary heap of the
 * thousands held costs a dozen levels of unpredictable branches (docs/benchmarks.md, "Due times in
 * runs"; {@code bin/afm due-bench} times the two on that pattern). An entry that fits no run (input
 * out of order beyond what {@link #MAX_RUNS} runs absorb) goes to a binary min-heap beside them;
 * either way the entries leave in time order.
 */
public final class DueTimes {
    /** At most this many runs; further entries that fit none go to the heap. */
    static final int MAX_RUNS = 16;
    private final int maxRuns;
    /** Run r: {@code count[r]} entries in the ring {@code ring[r]} (length a power of two) from {@code first[r]}. */
    private final long[][] ring;
    private final int[] first;
    private final int[] count;
    private int runs;
    /** The entries no run took: a binary min-heap. */
    private long[] heap = new long[0];
    private int heapSize;
    private int size;

    public DueTimes() {
        this(MAX_RUNS);
    }

    /** At most {@code maxRuns} runs (0: a binary heap alone, as before the runs; {@code bin/afm due-bench} compares the two). */
    DueTimes(int maxRuns) {
        this.maxRuns = maxRuns;
        ring = new long[maxRuns][];
        first = new int[maxRuns];
        count = new int[maxRuns];
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public int size() {
        return size;
    }

    /** Entries in runs (not in the heap): for tests. */
    int inRuns() {
        return size - heapSize;
    }

    /** The earliest time; {@link Long#MAX_VALUE} when empty. */
    public long earliest() {
        long e = heapSize == 0 ? Long.MAX_VALUE : heap[0];
        for (int r = 0; r < runs; r++) {
            if (count[r] > 0) {
                e = Math.min(e, ring[r][first[r]]);
            }
        }
        return e;
    }

    /** Adds {@code t}; returns true if it is now the earliest (strictly earlier than every other entry). */
    public boolean add(long t) {
        boolean isFirst = size == 0 || t < earliest();
        size++;
        int best = -1; // the run whose last entry is the latest not after t (an empty run if none): the fewest runs
        long bestLast = Long.MIN_VALUE;
        int empty = -1;
        for (int r = 0; r < runs; r++) {
            int n = count[r];
            if (n == 0) {
                empty = r;
                continue;
            }
            long[] q = ring[r];
            long last = q[(first[r] + n - 1) & (q.length - 1)];
            if (last <= t && (best < 0 || last > bestLast)) {
                best = r;
                bestLast = last;
            }
        }
        if (best < 0) {
            best = empty;
        }
        if (best >= 0) {
            append(best, t);
        } else if (runs < maxRuns) {
            ring[runs] = new long[16];
            append(runs++, t);
        } else {
            heapAdd(t);
        }
        return isFirst;
    }

    private void append(int r, long t) {
        long[] q = ring[r];
        int n = count[r];
        if (n == q.length) { // full: unroll the ring into one twice as long
            long[] grown = new long[2 * n];
            int f = first[r];
            System.arraycopy(q, f, grown, 0, n - f);
            System.arraycopy(q, 0, grown, n - f, f);
            ring[r] = q = grown;
            first[r] = 0;
        }
        q[(first[r] + n) & (q.length - 1)] = t;
        count[r] = n + 1;
    }

    /** Removes every entry equal to {@code t} if {@code t} is the earliest (none otherwise); returns how many. */
    public int removeEarliest(long t) {
        if (size == 0 || earliest() != t) {
            return 0;
        }
        int removed = 0;
        for (int r = 0; r < runs; r++) {
            long[] q = ring[r];
            int mask = q.length - 1;
            while (count[r] > 0 && q[first[r]] == t) {
                first[r] = (first[r] + 1) & mask;
                count[r]--;
                removed++;
            }
        }
        while (heapSize > 0 && heap[0] == t) {
            long last = heap[--heapSize];
            if (heapSize > 0) {
                siftDown(last);
            }
            removed++;
        }
        size -= removed;
        return removed;
    }

    private void heapAdd(long t) {
        if (heapSize == heap.length) {
            heap = Arrays.copyOf(heap, Math.max(16, heapSize * 2));
        }
        int i = heapSize++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= t) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = t;
    }

    private void siftDown(long t) {
        int i = 0;
        int half = heapSize >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < heapSize && heap[right] < heap[child]) {
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
        Arrays.fill(count, 0);
        Arrays.fill(first, 0);
        heapSize = 0;
        size = 0;
    }
}
