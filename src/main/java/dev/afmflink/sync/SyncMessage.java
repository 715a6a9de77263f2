package dev.afmflink.sync;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A model's merger's word to one of its replica keys: wake up (the model has begun: emit, so the
 * merger knows you), a merge (the merge of a tick, exact, and the key's own change of it as it sent
 * it; none if it took no step in the tick), or "settled through tick n" (every merge up to n has been
 * sent before this word), or a part of the merged model through tick n, whole values, for a key that
 * joins the model ({@link Exchange#base}: a restore at more trainers per model). Layout, big-endian:
 * kind (0 wake, 1 merge, 2 settled, 3 base), tick; a merge's (or base part's)
 * record and its own change's record, each a length (−1: none) and its bytes.
 */
public record SyncMessage(Kind kind, long tick, byte[] merge, byte[] own) {
    public enum Kind { WAKE, MERGE, SETTLED, BASE }

    public static SyncMessage wake() {
        return new SyncMessage(Kind.WAKE, 0, null, null);
    }

    /**
     * The merge of tick {@code tick} as {@link #mergeRecord} encoded it (the same bytes for every
     * replica key) with the key's own change's record {@code ownRecord} (null: none).
     */
    public static SyncMessage merge(long tick, byte[] mergeRecord, byte[] ownRecord) {
        return new SyncMessage(Kind.MERGE, tick, mergeRecord, ownRecord);
    }

    /** A merge as a message carries it: exact (float64 on the wire). */
    public static byte[] mergeRecord(Change merged) {
        return ChangeCodec.encode(merged, false);
    }

    /** A part of the merged model through tick {@code through} ({@link Exchange#base}), exact. */
    public static SyncMessage base(long through, Change part) {
        return new SyncMessage(Kind.BASE, through, ChangeCodec.encode(part, false), null);
    }

    public static SyncMessage settled(long through) {
        return new SyncMessage(Kind.SETTLED, through, null, null);
    }

    /** The merge (exact: float64 on the wire). */
    public Change mergeChange() {
        return ChangeCodec.decode(merge);
    }

    /** The key's own change of the tick, or null if it took no step in it. */
    public Change ownChange() {
        return own == null ? null : ChangeCodec.decode(own);
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(kind.ordinal());
            out.writeLong(tick);
            bytes(out, merge);
            bytes(out, own);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static SyncMessage decode(byte[] b) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            int k = in.readByte();
            if (k < 0 || k >= Kind.values().length) {
                throw new IllegalArgumentException("not a synchronization message (kind " + k + ")");
            }
            return new SyncMessage(Kind.values()[k], in.readLong(), bytes(in), bytes(in));
        } catch (IOException e) {
            throw new IllegalArgumentException("synchronization message cut short (" + b.length + " bytes)", e);
        }
    }

    private static void bytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b == null ? -1 : b.length);
        if (b != null) {
            out.write(b);
        }
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > in.available()) {
            throw new IOException("a block of " + n + " bytes in " + in.available());
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
