package dev.afmflink.sync;

import java.nio.ByteBuffer;

/**
 * A change on the wire (the synchronization topic's record value): a replica's change is sent once
 * and merged by every reader, so the replica, the merge and the published model all take in the
 * decoded change, never the one in memory. Values go as float32 for a float32 model (each rounded
 * once) and as float64 otherwise. Layout, big-endian: 'S', version 2, bytes per value (4 or 8);
 * tick, since, replica, steps of the shared block, replicas that changed it; the shared block's length
 * (−1: unchanged) and values; the rows' count, and per row its id, steps, last update, replicas
 * that changed it, length and values; then, only if some rows are of local fields ({@code --local-fields}),
 * their count and their indexes among the rows (a change without local rows has the bytes of builds
 * before them). A record that does not parse says why.
 *
 * <p>A change larger than a record should be ({@link #PART_BYTES}: a Kafka topic takes 1 MB per
 * record by default) goes as parts ({@link #encodeParts}, version 3: the part's number and the
 * number of parts after the replica): the rows split in id order, the shared block and the step
 * count in part 0; {@link MergeQueue} puts them together again ({@link #join}).
 */
public final class ChangeCodec {
    private static final byte MAGIC = 'S';
    private static final byte VERSION = 2;
    private static final byte VERSION_PARTS = 3;
    /** The most bytes of a part of a change ({@link #encodeParts}): half of a Kafka topic's default largest record. */
    public static final int PART_BYTES = 512 << 10;

    /**
     * One record of a change sent in parts: part {@code part} of {@code parts} ({@code 0 of 1}: the
     * whole change), its values float32 or float64 on the wire.
     */
    public record Part(Change change, int part, int parts, boolean float32) {
    }

    private ChangeCodec() {
    }

    /** The bytes {@link #encode} makes of {@code c}. */
    public static long size(Change c, boolean float32) {
        int w = float32 ? 4 : 8;
        long b = 3 + 32 + 4 + (c.shared == null ? 0 : (long) c.shared.length * w) + 4;
        for (double[] r : c.rows) {
            b += 32 + (long) r.length * w;
        }
        int local = localCount(c);
        return b + (local > 0 ? 4 + 4L * local : 0);
    }

    private static int localCount(Change c) {
        int n = 0;
        if (c.local != null) {
            for (boolean l : c.local) {
                n += l ? 1 : 0;
            }
        }
        return n;
    }

    public static byte[] encode(Change c, boolean float32) {
        return encode(c, float32, 0, 1);
    }

    /**
     * {@code c} as records of at most about {@code maxBytes} each (a part holds at least one row):
     * one record, {@link #encode}'s, if it fits.
     */
    public static java.util.List<byte[]> encodeParts(Change c, boolean float32, int maxBytes) {
        if (size(c, float32) <= maxBytes) {
            return java.util.List.of(encode(c, float32));
        }
        int w = float32 ? 4 : 8;
        java.util.List<int[]> ranges = new java.util.ArrayList<>(); // [from, to) of the rows, per part
        long trailer = c.local != null ? 4 : 0; // the local rows' count
        long room = maxBytes - (3 + 40 + 4 + (c.shared == null ? 0 : (long) c.shared.length * w) + 4 + trailer);
        int from = 0;
        for (int i = 0; i < c.ids.length; i++) {
            long row = 32 + (long) c.rows[i].length * w + (c.isLocal(i) ? 4 : 0);
            if (i > from && row > room) {
                ranges.add(new int[] {from, i});
                from = i;
                room = maxBytes - (3 + 40 + 4 + 4 + trailer);
            }
            room -= row;
        }
        ranges.add(new int[] {from, c.ids.length});
        java.util.List<byte[]> out = new java.util.ArrayList<>(ranges.size());
        for (int p = 0; p < ranges.size(); p++) {
            int a = ranges.get(p)[0];
            int b = ranges.get(p)[1];
            Change part = new Change(c.tick, c.since, c.replica, p == 0 ? c.shared : null, p == 0 ? c.sharedContributors : 0,
                    p == 0 ? c.examples : 0, java.util.Arrays.copyOfRange(c.ids, a, b), java.util.Arrays.copyOfRange(c.rows, a, b),
                    java.util.Arrays.copyOfRange(c.steps, a, b), java.util.Arrays.copyOfRange(c.lastUpdate, a, b),
                    java.util.Arrays.copyOfRange(c.contributors, a, b),
                    c.local == null ? null : java.util.Arrays.copyOfRange(c.local, a, b));
            out.add(encode(part, float32, p, ranges.size()));
        }
        return out;
    }

    /** The change the parts of one (replica, tick) make, in part order. */
    public static Change join(Change[] parts) {
        Change first = parts[0];
        int n = 0;
        for (Change p : parts) {
            n += p.ids.length;
        }
        long[] ids = new long[n];
        double[][] rows = new double[n][];
        long[] steps = new long[n];
        long[] last = new long[n];
        int[] contributors = new int[n];
        boolean[] local = null;
        int at = 0;
        for (Change p : parts) {
            int k = p.ids.length;
            if (k > 0 && at > 0 && p.ids[0] <= ids[at - 1]) {
                throw new IllegalArgumentException("the parts of replica " + first.replica + "'s change of tick " + first.tick
                        + " overlap");
            }
            System.arraycopy(p.ids, 0, ids, at, k);
            System.arraycopy(p.rows, 0, rows, at, k);
            System.arraycopy(p.steps, 0, steps, at, k);
            System.arraycopy(p.lastUpdate, 0, last, at, k);
            System.arraycopy(p.contributors, 0, contributors, at, k);
            if (p.local != null) {
                if (local == null) {
                    local = new boolean[n];
                }
                System.arraycopy(p.local, 0, local, at, k);
            }
            at += k;
        }
        return new Change(first.tick, first.since, first.replica, first.shared, first.sharedContributors, first.examples, ids, rows,
                steps, last, contributors, local);
    }

    private static byte[] encode(Change c, boolean float32, int part, int parts) {
        long size = size(c, float32) + (parts > 1 ? 8 : 0);
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a change of " + size + " bytes: more than one record holds");
        }
        // a buffer of the exact size, written in place (big-endian, as DataOutputStream wrote it: the same bytes)
        ByteBuffer out = ByteBuffer.allocate((int) size);
        out.put(MAGIC);
        out.put(parts > 1 ? VERSION_PARTS : VERSION);
        out.put((byte) (float32 ? 4 : 8));
        out.putLong(c.tick);
        out.putLong(c.since);
        out.putInt(c.replica);
        if (parts > 1) {
            out.putInt(part);
            out.putInt(parts);
        }
        out.putLong(c.examples);
        out.putInt(c.sharedContributors);
        values(out, c.shared, float32);
        out.putInt(c.ids.length);
        for (int i = 0; i < c.ids.length; i++) {
            out.putLong(c.ids[i]);
            out.putLong(c.steps[i]);
            out.putLong(c.lastUpdate[i]);
            out.putInt(c.contributors[i]);
            values(out, c.rows[i], float32);
        }
        int local = localCount(c);
        if (local > 0) {
            out.putInt(local);
            for (int i = 0; i < c.ids.length; i++) {
                if (c.local[i]) {
                    out.putInt(i);
                }
            }
        }
        if (out.hasRemaining()) {
            throw new IllegalStateException("a change's size was counted as " + size + " bytes, " + out.position() + " written");
        }
        return out.array();
    }

    private static void values(ByteBuffer out, double[] v, boolean float32) {
        if (v == null) {
            out.putInt(-1);
            return;
        }
        out.putInt(v.length);
        for (double x : v) {
            if (float32) {
                out.putFloat((float) x);
            } else {
                out.putDouble(x);
            }
        }
    }

    /** The change in {@code record}, a whole one; an {@link IllegalArgumentException} saying what is wrong if it is not one. */
    public static Change decode(byte[] record) {
        Part p = decodePart(record);
        if (p.parts() != 1) {
            throw new IllegalArgumentException("change record is part " + p.part() + " of " + p.parts() + ", not a whole change");
        }
        return p.change();
    }

    /**
     * The tick of the change (or part) in {@code record}, read from its header alone; {@link Long#MIN_VALUE} if the
     * record does not start as a change does ({@link #decodePart} then says why).
     */
    public static long tickOf(byte[] record) {
        if (record == null || record.length < 11 || record[0] != MAGIC || record[1] != VERSION && record[1] != VERSION_PARTS) {
            return Long.MIN_VALUE;
        }
        return ByteBuffer.wrap(record, 3, 8).getLong();
    }

    /** The change or part of one in {@code record}; an {@link IllegalArgumentException} saying what is wrong if it is not one. */
    public static Part decodePart(byte[] record) {
        ByteBuffer in = ByteBuffer.wrap(record); // big-endian
        try {
            if (record.length < 3 || in.get() != MAGIC) {
                throw new IllegalArgumentException("not a change record");
            }
            byte version = in.get();
            if (version != VERSION && version != VERSION_PARTS) {
                throw new IllegalArgumentException("change record version " + version + ", this build reads " + VERSION + " and "
                        + VERSION_PARTS);
            }
            int width = in.get();
            if (width != 4 && width != 8) {
                throw new IllegalArgumentException("change record with " + width + " bytes per value");
            }
            long tick = in.getLong();
            long since = in.getLong();
            if (since >= tick) {
                throw new IllegalArgumentException("change record of tick " + tick + " since tick " + since);
            }
            int replica = in.getInt();
            int part = 0;
            int parts = 1;
            if (version == VERSION_PARTS) {
                part = in.getInt();
                parts = in.getInt();
                if (parts < 2 || part < 0 || part >= parts) {
                    throw new IllegalArgumentException("change record part " + part + " of " + parts);
                }
            }
            long examples = in.getLong();
            int sharedContributors = in.getInt();
            double[] shared = values(in, width, record.length);
            int n = in.getInt();
            if (n < 0 || n > record.length / 32) {
                throw new IllegalArgumentException("change record with " + n + " rows in " + record.length + " bytes");
            }
            long[] ids = new long[n];
            long[] steps = new long[n];
            long[] last = new long[n];
            int[] contributors = new int[n];
            double[][] rows = new double[n][];
            for (int i = 0; i < n; i++) {
                ids[i] = in.getLong();
                if (i > 0 && ids[i] <= ids[i - 1]) {
                    throw new IllegalArgumentException("change record's rows out of order at row " + i);
                }
                steps[i] = in.getLong();
                last[i] = in.getLong();
                contributors[i] = in.getInt();
                rows[i] = values(in, width, record.length);
                if (rows[i] == null) {
                    throw new IllegalArgumentException("change record's row " + i + " has no values");
                }
            }
            boolean[] local = null;
            int rest = in.remaining();
            if (rest > 0) { // the local rows: their count, then their indexes
                int m = rest >= 4 ? in.getInt() : -1;
                if (m < 1 || m > n || rest != 4 + 4L * m) {
                    throw new IllegalArgumentException("change record with " + rest + " bytes after its last row");
                }
                local = new boolean[n];
                int previous = -1;
                for (int j = 0; j < m; j++) {
                    int i = in.getInt();
                    if (i <= previous || i >= n) {
                        throw new IllegalArgumentException("change record's local rows out of order or range at " + i);
                    }
                    local[i] = true;
                    previous = i;
                }
            }
            return new Part(new Change(tick, since, replica, shared, sharedContributors, examples, ids, rows, steps, last, contributors,
                    local), part, parts, width == 4);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("change record cut short (" + record.length + " bytes)");
        }
    }

    private static double[] values(ByteBuffer in, int width, int total) {
        int len = in.getInt();
        if (len == -1) {
            return null;
        }
        if (len < 0 || (long) len * width > total) {
            throw new IllegalArgumentException("change record with a block of " + len + " values in " + total + " bytes");
        }
        double[] v = new double[len];
        for (int q = 0; q < len; q++) {
            v[q] = width == 4 ? in.getFloat() : in.getDouble();
        }
        return v;
    }
}
