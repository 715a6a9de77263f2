package dev.afmflink.snapshot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Passes a snapshot file on to the snapshot folder (if any) and keeps a copy while it is at most
 * {@code limit} bytes: the bytes a Kafka record carries inline. Past the limit the copy is dropped
 * (the record then points to the file), or — with nowhere else for the file to go — the write
 * fails with {@link TooLargeException}.
 */
public final class InlineCopy extends OutputStream {
    /** A snapshot that travels only inline (no snapshot folder) and is larger than a record may be. */
    public static final class TooLargeException extends IOException {
        TooLargeException(String m) {
            super(m);
        }
    }

    private final OutputStream target;
    private final long limit;
    private final boolean mustFit;
    private ByteArrayOutputStream copy = new ByteArrayOutputStream(1 << 12);
    private long count;

    /**
     * @param target  where the file goes (null: nowhere but the copy)
     * @param limit   the largest copy kept
     * @param mustFit the file has nowhere else to go: past the limit the write fails
     */
    public InlineCopy(OutputStream target, long limit, boolean mustFit) {
        this.target = target;
        this.limit = limit;
        this.mustFit = mustFit;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (target != null) {
            target.write(b, off, len);
        }
        count += len;
        if (copy != null && count > limit) {
            copy = null;
            if (mustFit) {
                throw new TooLargeException("larger than " + limit + " bytes, the most a snapshot record may hold; "
                        + "give the job a --snapshot-dir: larger snapshots then travel as pointers to their files");
            }
        }
        if (copy != null) {
            copy.write(b, off, len);
        }
    }

    @Override
    public void flush() throws IOException {
        if (target != null) {
            target.flush();
        }
    }

    @Override
    public void close() throws IOException {
        if (target != null) {
            target.close();
        }
    }

    /** The whole file, if it fitted; else null. */
    public byte[] bytes() {
        return copy == null ? null : copy.toByteArray();
    }
}
