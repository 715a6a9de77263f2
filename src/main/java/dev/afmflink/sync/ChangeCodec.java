package dev.afmflink.sync;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A change on the wire (the synchronization topic's record value): a replica's change is sent once
 * and merged by every reader, so the replica, the merge and the published model all take in the
 * decoded change, never the one in memory. Values go as float32 for a float32 model (each rounded
 * once) and as float64 otherwise. Layout, big-endian: 'S', version 2, bytes per value (4 or 8);
 * tick, since, replica, steps of the shared block, replicas that changed it; the shared block's length
 * (−1: unchanged) and values; the rows' count, and per row its id, steps, last update, replicas
 * that changed it, length and values. A record that does not parse says why.
 */
public final class ChangeCodec {
    private static final byte MAGIC = 'S';
    private static final byte VERSION = 2;

    private ChangeCodec() {
    }

    /** The bytes {@link #encode} makes of {@code c}. */
    public static long size(Change c, boolean float32) {
        int w = float32 ? 4 : 8;
        long b = 3 + 32 + 4 + (c.shared == null ? 0 : (long) c.shared.length * w) + 4;
        for (double[] r : c.rows) {
            b += 32 + (long) r.length * w;
        }
        return b;
    }

    public static byte[] encode(Change c, boolean float32) {
        long size = size(c, float32);
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a change of " + size + " bytes: more than one record holds");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) size);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(MAGIC);
            out.writeByte(VERSION);
            out.writeByte(float32 ? 4 : 8);
            out.writeLong(c.tick);
            out.writeLong(c.since);
            out.writeInt(c.replica);
            out.writeLong(c.examples);
            out.writeInt(c.sharedContributors);
            values(out, c.shared, float32);
            out.writeInt(c.ids.length);
            for (int i = 0; i < c.ids.length; i++) {
                out.writeLong(c.ids[i]);
                out.writeLong(c.steps[i]);
                out.writeLong(c.lastUpdate[i]);
                out.writeInt(c.contributors[i]);
                values(out, c.rows[i], float32);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] out = bytes.toByteArray();
        assert out.length == size;
        return out;
    }

    private static void values(DataOutputStream out, double[] v, boolean float32) throws IOException {
        if (v == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(v.length);
        for (double x : v) {
            if (float32) {
                out.writeFloat((float) x);
            } else {
                out.writeDouble(x);
            }
        }
    }

    /** The change in {@code record}; an {@link IllegalArgumentException} saying what is wrong if it is not one. */
    public static Change decode(byte[] record) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(record))) {
            if (record.length < 3 || in.readByte() != MAGIC) {
                throw new IllegalArgumentException("not a change record");
            }
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("change record version " + version + ", this build reads " + VERSION);
            }
            int width = in.readByte();
            if (width != 4 && width != 8) {
                throw new IllegalArgumentException("change record with " + width + " bytes per value");
            }
            long tick = in.readLong();
            long since = in.readLong();
            if (since >= tick) {
                throw new IllegalArgumentException("change record of tick " + tick + " since tick " + since);
            }
            int replica = in.readInt();
            long examples = in.readLong();
            int sharedContributors = in.readInt();
            double[] shared = values(in, width, record.length);
            int n = in.readInt();
            if (n < 0 || n > record.length / 32) {
                throw new IllegalArgumentException("change record with " + n + " rows in " + record.length + " bytes");
            }
            long[] ids = new long[n];
            long[] steps = new long[n];
            long[] last = new long[n];
            int[] contributors = new int[n];
            double[][] rows = new double[n][];
            for (int i = 0; i < n; i++) {
                ids[i] = in.readLong();
                if (i > 0 && ids[i] <= ids[i - 1]) {
                    throw new IllegalArgumentException("change record's rows out of order at row " + i);
                }
                steps[i] = in.readLong();
                last[i] = in.readLong();
                contributors[i] = in.readInt();
                rows[i] = values(in, width, record.length);
                if (rows[i] == null) {
                    throw new IllegalArgumentException("change record's row " + i + " has no values");
                }
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("change record with " + in.available() + " bytes after its last row");
            }
            return new Change(tick, since, replica, shared, sharedContributors, examples, ids, rows, steps, last, contributors);
        } catch (java.io.EOFException e) {
            throw new IllegalArgumentException("change record cut short (" + record.length + " bytes)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double[] values(DataInputStream in, int width, int total) throws IOException {
        int len = in.readInt();
        if (len == -1) {
            return null;
        }
        if (len < 0 || (long) len * width > total) {
            throw new IllegalArgumentException("change record with a block of " + len + " values in " + total + " bytes");
        }
        double[] v = new double[len];
        for (int q = 0; q < len; q++) {
            v[q] = width == 4 ? in.readFloat() : in.readDouble();
        }
        return v;
    }
}
