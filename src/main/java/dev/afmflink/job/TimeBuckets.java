package dev.afmflink.job;

import java.util.ArrayList;
import java.util.List;

/**
 * A key's held buckets of one kind by event time, each a list in arrival order: what
 * {@link LongMap} held before, laid out for the order the schedule holds and takes them in. Most
 * buckets come in rising time (an impression's own time, its window's end, its tombstone's end)
 * and are taken earliest first, so they go to a ring sorted by time: a new bucket at its end, a
 * take at its start, each a few reads of adjacent memory instead of a probe into a hash table
 * the allocations since its last touch have pushed out of the cache. A bucket behind the ring's
 * end that the ring does not have (a click's label, held by its impression's time) goes to a hash
 * map beside it; a take in the middle of the ring leaves a hole its start skips later. The same
 * answers as the map alone (TimeBucketsTest).
 */
final class TimeBuckets<E> {
    private static final int MIN_CAPACITY = 16;
    private static final long[] NO_TIMES = new long[0];
    private static final Object[] NO_LISTS = new Object[0];
    /**
     * Ring slot i: a bucket's time and its list (null: taken out of order, a hole). Times rise from
     * {@link #head}. Empty until the first bucket (a buffer has four kinds, many keys hold none of some).
     */
    private long[] times = NO_TIMES;
    private Object[] lists = NO_LISTS;
    private int head;
    private int size;
    private int mask;
    /** Buckets whose time was behind the ring's end and not in it when they came (never also in the ring); null until one. */
    private LongMap<List<E>> others;
    /** Buckets held (the ring's, holes apart, and the others). */
    private int buckets;

    private void allocate(int capacity) {
        times = new long[capacity];
        lists = new Object[capacity];
        mask = capacity - 1;
        head = 0;
        size = 0;
    }

    boolean isEmpty() {
        return buckets == 0;
    }

    /** Buckets held. */
    int size() {
        return buckets;
    }

    /** Buckets held beside the ring (for tests: in-order holds keep none there). */
    int besideTheRing() {
        return others == null ? 0 : others.size();
    }

    /** Adds {@code item} to bucket {@code t}; returns true if there was no such bucket. */
    @SuppressWarnings("unchecked")
    boolean add(long t, E item) {
        if (others != null && !others.isEmpty()) {
            List<E> l = others.get(t);
            if (l != null) {
                l.add(item);
                return false;
            }
        }
        if (size == 0 || t > times[(head + size - 1) & mask]) { // past the ring's end (most): a new bucket there
            if (size == times.length) {
                grow();
            }
            int i = (head + size) & mask;
            times[i] = t;
            lists[i] = newList(item);
            size++;
            buckets++;
            return true;
        }
        int at = indexOf(t);
        if (at >= 0) {
            int i = (head + at) & mask;
            List<E> l = (List<E>) lists[i];
            if (l != null) {
                l.add(item);
                return false;
            }
            lists[i] = newList(item); // a hole: the bucket again, in its place
            buckets++;
            return true;
        }
        if (others == null) {
            others = new LongMap<>();
        }
        others.put(t, newList(item));
        buckets++;
        return true;
    }

    private List<E> newList(E item) {
        List<E> l = new ArrayList<>(2); // most buckets hold one item (an impression's time, its deadline)
        l.add(item);
        return l;
    }

    /** Takes bucket {@code t} out; null if there is none. */
    @SuppressWarnings("unchecked")
    List<E> remove(long t) {
        if (buckets == 0) {
            return null;
        }
        if (size > 0 && times[head] == t) { // the earliest (most takes)
            List<E> l = (List<E>) lists[head];
            popHead();
            if (l != null) {
                buckets--;
            }
            return l;
        }
        if (size > 0 && t > times[head] && t <= times[(head + size - 1) & mask]) {
            int at = indexOf(t);
            if (at >= 0) {
                int i = (head + at) & mask;
                List<E> l = (List<E>) lists[i];
                if (l != null) {
                    lists[i] = null; // a hole, skipped when it reaches the start
                    buckets--;
                }
                return l;
            }
        }
        if (others == null || others.isEmpty()) {
            return null;
        }
        List<E> l = others.remove(t);
        if (l != null) {
            buckets--;
        }
        return l;
    }

    /** Drops the ring's first slot, and the holes after it. */
    private void popHead() {
        do {
            lists[head] = null;
            head = (head + 1) & mask;
            size--;
        } while (size > 0 && lists[head] == null);
    }

    /** The position of {@code t} in the ring (0 = its start), or -1: a binary search of its rising times. */
    private int indexOf(long t) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long m = times[(head + mid) & mask];
            if (m < t) {
                lo = mid + 1;
            } else if (m > t) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    private void grow() {
        long[] oldTimes = times;
        Object[] oldLists = lists;
        int oldHead = head;
        int n = size;
        int oldMask = mask;
        allocate(Math.max(MIN_CAPACITY, oldTimes.length * 2));
        for (int k = 0; k < n; k++) {
            times[k] = oldTimes[(oldHead + k) & oldMask];
            lists[k] = oldLists[(oldHead + k) & oldMask];
        }
        size = n;
    }

    /**
     * Slots to iterate over, {@code 0 <= k < slots()}: the ring's in rising time, then the others';
     * {@link #listAt} is null for a slot with no bucket.
     */
    int slots() {
        return size + (others == null ? 0 : others.capacity());
    }

    long timeAt(int k) {
        return k < size ? times[(head + k) & mask] : others.keyAt(k - size);
    }

    @SuppressWarnings("unchecked")
    List<E> listAt(int k) {
        return k < size ? (List<E>) lists[(head + k) & mask] : others.valueAt(k - size);
    }

    /** Drops every bucket (their memory too, if a burst made the ring large). */
    void clear() {
        if (times.length > 1 << 17) {
            times = NO_TIMES; // a burst made it large: give the memory back
            lists = NO_LISTS;
            head = 0;
            size = 0;
            mask = 0;
        } else {
            for (int k = 0; k < size; k++) {
                lists[(head + k) & mask] = null;
            }
            head = 0;
            size = 0;
        }
        if (others != null) {
            others.clear();
        }
        buckets = 0;
    }
}
