package dev.afmflink.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.Layout;
import dev.afmflink.model.SharedParams;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

/**
 * Writes the model format: magic, format version, JSON header, shared parameters, one record per
 * feature (put or delete), and a CRC32 of everything before it. Files appear atomically: written
 * to a temporary name, then renamed.
 */
public final class ModelWriter implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CRC32 crc = new CRC32();
    private final DataOutputStream out;
    private final OutputStream sink;
    private final Tally tally;
    private final int rowSize;
    private final dev.afmflink.model.Precision precision;
    private final boolean float32;
    private long records;
    private final long declared;
    private boolean first = true;
    private long lastId;

    /** Feature records out of file order ({@link ModelFormat#compareIds}): the file is not valid. */
    public static final class OutOfOrderException extends IllegalStateException {
        OutOfOrderException(long id, long after) {
            super("feature " + Long.toUnsignedString(id) + " after " + Long.toUnsignedString(after)
                    + ": records must be in ascending unsigned id order");
        }
    }

    /**
     * Starts a file: header and shared parameters; then call {@link #put} / {@link #delete}
     * exactly {@code featureRecords} times — or any number of times with
     * {@link ModelFormat#STREAMED} — in ascending unsigned id order, and {@link #close()}.
     */
    public ModelWriter(OutputStream sink, ModelHeader header, SharedParams shared, long featureRecords)
            throws IOException {
        this.tally = new Tally(sink);
        this.sink = tally;
        this.out = new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(tally, 1 << 16), crc));
        Layout layout = new Layout(header.config());
        this.rowSize = header.weightsOnly() ? 1 + layout.k : layout.rowSize; // weights only: [w, v]
        this.declared = featureRecords;
        this.precision = header.config().precision();
        this.float32 = precision == dev.afmflink.model.Precision.FLOAT32;
        if (shared.precision() != precision) {
            throw new IllegalArgumentException("shared parameters in " + shared.precision().id() + " for a " + precision.id()
                    + " model");
        }
        out.writeInt(ModelFormat.MAGIC);
        out.writeInt(ModelFormat.formatVersion(header.config().precision()));
        byte[] json = JSON.writeValueAsString(header.toMap()).getBytes(StandardCharsets.UTF_8);
        out.writeInt(json.length);
        out.write(json);
        out.writeLong(shared.examples);
        out.writeLong(shared.refusedUpdates);
        out.writeLong(shared.rngState);
        writeArray(shared.bias);
        if (float32) {
            writeArray(shared.attn32);
            writeArray(header.weightsOnly() ? new float[0] : shared.attnSlots32);
        } else {
            writeArray(shared.attn);
            writeArray(header.weightsOnly() ? new double[0] : shared.attnSlots);
        }
        out.writeInt(rowSize);
        out.writeLong(featureRecords);
    }

    private void writeArray(double[] a) throws IOException {
        out.writeInt(a.length);
        for (double d : a) {
            out.writeLong(Double.doubleToRawLongBits(d));
        }
    }

    private void writeArray(float[] a) throws IOException {
        out.writeInt(a.length);
        for (float f : a) {
            out.writeInt(Float.floatToRawIntBits(f));
        }
    }

    private void order(long id) {
        if (!first && ModelFormat.compareIds(id, lastId) <= 0) {
            throw new OutOfOrderException(id, lastId);
        }
        first = false;
        lastId = id;
    }

    public void put(long id, FeatureParams f) throws IOException {
        order(id);
        if (f.precision() != precision) {
            throw new IllegalArgumentException("feature " + id + " row in " + f.precision().id() + ", the model's precision is "
                    + precision.id());
        }
        if (f.size() < rowSize) {
            throw new IllegalArgumentException("feature " + id + " row has " + f.size() + " values, expected " + rowSize);
        }
        out.writeByte(ModelFormat.RECORD_PUT);
        out.writeLong(id);
        out.writeLong(f.lastUpdate);
        if (float32) {
            for (int c = 0; c < rowSize; c++) {
                out.writeInt(Float.floatToRawIntBits(f.data32[c]));
            }
        } else {
            for (int c = 0; c < rowSize; c++) {
                out.writeLong(Double.doubleToRawLongBits(f.data[c]));
            }
        }
        records++;
    }

    /** A tombstone: the feature was removed (deltas only). */
    public void delete(long id) throws IOException {
        order(id);
        out.writeByte(ModelFormat.RECORD_DELETE);
        out.writeLong(id);
        records++;
    }

    @Override
    public void close() throws IOException {
        if (declared == ModelFormat.STREAMED) {
            out.writeByte(ModelFormat.RECORD_END);
        } else if (records != declared) {
            throw new IllegalStateException("declared " + declared + " feature records, wrote " + records);
        }
        out.flush();
        long sum = crc.getValue();
        DataOutputStream tail = new DataOutputStream(sink);
        tail.writeLong(sum);
        tail.flush();
        sink.close();
    }

    /** Feature records written so far. */
    public long records() {
        return records;
    }

    /** The bytes of the file written so far (all of it after {@link #close()}). */
    public long bytes() {
        return tally.count;
    }

    /** The SHA-256 of the whole file, hex ({@link ModelFormat#digest}); after {@link #close()}. */
    public String digest() {
        if (tally.hex == null) {
            throw new IllegalStateException("the file is not complete");
        }
        return tally.hex;
    }

    /** Counts and hashes the bytes on their way to the sink. */
    private static final class Tally extends java.io.FilterOutputStream {
        private final java.security.MessageDigest sha = ModelFormat.newDigest();
        private long count;
        private String hex;

        Tally(OutputStream sink) {
            super(sink);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            sha.update((byte) b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            sha.update(b, off, len);
            count += len;
        }

        @Override
        public void close() throws IOException {
            if (hex == null) {
                hex = ModelFormat.hex(sha);
            }
            out.close();
        }
    }

    /** A whole in-memory model as the bytes of a full snapshot. */
    public static byte[] fullBytes(AfmModel model, long modelVersion) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(1 << 16);
        ModelHeader header = new ModelHeader(ModelFormat.Kind.FULL, modelVersion, 0, model.shared().examples, model.config());
        long[] ids = model.features().sortedIds();
        try (ModelWriter w = new ModelWriter(out, header, model.shared(), ids.length)) {
            for (long id : ids) {
                w.put(id, model.features().get(id));
            }
        }
        return out.toByteArray();
    }

    /** Writes a whole in-memory model as a full snapshot into {@code dir/model.afm}, atomically. */
    public static void writeFull(AfmModel model, long modelVersion, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve(ModelFormat.FILE_NAME + ".tmp");
        ModelHeader header = new ModelHeader(ModelFormat.Kind.FULL, modelVersion, 0, model.shared().examples,
                model.config());
        long[] ids = model.features().sortedIds();
        try (ModelWriter w = new ModelWriter(Files.newOutputStream(tmp), header, model.shared(), ids.length)) {
            for (long id : ids) {
                w.put(id, model.features().get(id));
            }
        }
        Files.move(tmp, dir.resolve(ModelFormat.FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }
}
