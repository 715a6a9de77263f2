package dev.afmflink.sync;

import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.SharedParams;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One replica's book of what it changed since its last emission: the shared block as it was then
 * (with the merges taken in since), the shared block's step counter then, and each row stepped
 * since, with its value before its first step and its steps. {@link Exchange} keeps it; the
 * in-memory {@link Replica} holds one, the job keeps one per replica key in keyed state
 * ({@link #encode}: the ledger's bytes, read back by {@link #decode}, bit for bit).
 */
public final class Ledger {
    /** The tick the last emission closed ({@link Long#MIN_VALUE}: none yet). */
    long lastTick;
    /** The shared block at the last emission, with the merges taken in since. */
    double[] sharedBefore;
    /** The shared block's step counter at the last emission, with the others' steps taken in since. */
    long examplesBefore;
    /** Each row stepped since the last emission. */
    final Map<Long, Touched> touched;

    /** A row's value before its first step since the last emission (with the merges taken in since) and its steps. */
    static final class Touched {
        final double[] before;
        long steps;
        /** A row of a local field ({@code --local-fields}): its change is marked so, and no other replica takes it in. */
        boolean local;

        Touched(double[] before, long steps) {
            this.before = before;
            this.steps = steps;
        }
    }

    private Ledger(long lastTick, double[] sharedBefore, long examplesBefore, Map<Long, Touched> touched) {
        this.lastTick = lastTick;
        this.sharedBefore = sharedBefore;
        this.examplesBefore = examplesBefore;
        this.touched = touched;
    }

    /** A ledger opened on the shared block {@code s} as it stands (nothing stepped yet). */
    public static Ledger open(SharedParams s) {
        return new Ledger(Long.MIN_VALUE, Vectors.shared(s), s.examples, new HashMap<>());
    }

    /**
     * The parameters were set to another model's ({@link Exchange#adopt}) with nothing stepped since
     * the last emission: the next emission tells what this replica does from them on.
     */
    public void rebase(SharedParams s) {
        if (!touched.isEmpty()) {
            throw new IllegalStateException("a replica that stepped " + touched.size() + " rows since its last emission takes a base");
        }
        sharedBefore = Vectors.shared(s);
        examplesBefore = s.examples;
    }

    /** Row {@code id} (as {@code f} stands, before the step) is about to take a step. */
    public void touch(long id, FeatureParams f) {
        touch(id, f, false);
    }

    /** Row {@code id} is about to take a step; {@code local}: it is a row of a local field (its owner's alone). */
    public void touch(long id, FeatureParams f, boolean local) {
        Touched t = touched.get(id);
        if (t == null) {
            t = new Touched(Vectors.row(f), 0);
            touched.put(id, t);
        }
        t.steps++;
        t.local |= local;
    }

    /** The tick the last emission closed ({@link Long#MIN_VALUE}: none yet). */
    public long lastTick() {
        return lastTick;
    }

    /** Rows stepped since the last emission. */
    public int touchedRows() {
        return touched.size();
    }

    /** The ledger's bytes (rows by id ascending: the same ledger, the same bytes). */
    public byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeLong(lastTick);
            out.writeLong(examplesBefore);
            doubles(out, sharedBefore);
            long[] ids = touched.keySet().stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(ids);
            out.writeInt(ids.length);
            int local = 0;
            for (long id : ids) {
                Touched t = touched.get(id);
                out.writeLong(id);
                out.writeLong(t.steps);
                doubles(out, t.before);
                local += t.local ? 1 : 0;
            }
            if (local > 0) { // after the rows, only if any (a ledger without local rows: the bytes of builds before them)
                out.writeInt(local);
                for (long id : ids) {
                    if (touched.get(id).local) {
                        out.writeLong(id);
                    }
                }
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ledger {@link #encode} wrote. */
    public static Ledger decode(byte[] b) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
            long lastTick = in.readLong();
            long examples = in.readLong();
            double[] shared = doubles(in);
            int n = in.readInt();
            Map<Long, Touched> touched = new HashMap<>(Math.max(16, n * 2));
            for (int i = 0; i < n; i++) {
                long id = in.readLong();
                long steps = in.readLong();
                touched.put(id, new Touched(doubles(in), steps));
            }
            if (in.available() > 0) {
                int local = in.readInt();
                for (int i = 0; i < local; i++) {
                    Touched t = touched.get(in.readLong());
                    if (t == null) {
                        throw new IOException("a local row the ledger has not touched");
                    }
                    t.local = true;
                }
            }
            return new Ledger(lastTick, shared, examples, touched);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a ledger: " + e.getMessage(), e);
        }
    }

    private static void doubles(DataOutputStream out, double[] v) throws IOException {
        out.writeInt(v.length);
        for (double x : v) {
            out.writeLong(Double.doubleToRawLongBits(x));
        }
    }

    private static double[] doubles(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available() / 8) {
            throw new IOException("a vector of " + n + " values in " + in.available() + " bytes");
        }
        double[] v = new double[n];
        for (int q = 0; q < n; q++) {
            v[q] = Double.longBitsToDouble(in.readLong());
        }
        return v;
    }
}
