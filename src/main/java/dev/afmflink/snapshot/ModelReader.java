package dev.afmflink.snapshot;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.FeatureTable;
import dev.afmflink.model.Layout;
import dev.afmflink.model.Precision;
import dev.afmflink.model.SharedParams;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;

/**
 * Reads the model format without Flink: a full snapshot into a new {@link AfmModel}, and a delta
 * on top of a model at the delta's base version. Checks the magic, format version, sizes and the
 * trailing CRC32; a truncated or corrupted file is an error, never a half-loaded model.
 */
public final class ModelReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelReader() {
    }

    /**
     * A {@code keep} that keeps every id with an empty row: the model's feature ids (and count)
     * without its parameters, for {@code inspect}. Such a model cannot score.
     */
    public static final java.util.function.LongPredicate IDS_ONLY = id -> true;
    private static final FeatureParams NO_ROW = new FeatureParams(new double[0], 0);

    /** A loaded model and the header it came with. */
    public record Loaded(ModelHeader header, AfmModel model) {
    }

    /**
     * Loads {@code dir/model.afm}, the file itself when {@code path} is a file, or — for a model's
     * folder of versions written by the streaming job — the latest full snapshot with its deltas.
     */
    public static Loaded load(Path path) throws IOException {
        return load(path.toString(), null);
    }

    /**
     * Loads a model from a path or URI on any {@link SnapshotStorage}: {@code dir/model.afm}, the
     * file itself, or a model's folder of versions (the latest full snapshot with its deltas).
     * With {@code keep}, only the feature rows whose id it accepts (every other id scores as a
     * feature the model has not seen): how {@code score} and {@code explain} read a model larger
     * than their heap for the ids of their input.
     */
    public static Loaded load(String location, java.util.function.LongPredicate keep) throws IOException {
        SnapshotStorage storage = SnapshotStorage.of(location);
        String inDir = SnapshotStorage.child(location, ModelFormat.FILE_NAME);
        boolean dir = storage.isDirectory(location);
        if (dir && !storage.exists(inDir)) {
            SnapshotChain chain = SnapshotChain.loadFolder(storage, location, keep);
            if (chain == null) {
                throw new IOException(location + ": neither a model.afm nor version folders with a full snapshot");
            }
            AfmModel m = chain.model();
            return new Loaded(new ModelHeader(ModelFormat.Kind.FULL, chain.version(), 0, m.shared().examples, m.config(), null,
                    chain.weightsOnly()), m);
        }
        String file = dir ? inDir : location;
        if (!storage.exists(file)) {
            throw new IOException(location + ": no such model (a model.afm, its folder, or a folder of versions)");
        }
        try (Opened o = open(storage.open(file), file)) {
            return o.read(null, keep);
        }
    }

    /**
     * Reads a full snapshot ({@code base} null) or applies a delta to {@code base}, whose shared
     * parameters are replaced and whose feature table is updated in place.
     */
    public static Loaded read(InputStream raw, AfmModel base, String name) throws IOException {
        try (Opened o = open(raw, name)) {
            return o.read(base, null);
        }
    }

    /**
     * Starts reading a file from a stream: the header is read (and checked) now, the rest by
     * {@link Opened#read}, so a reader can decide from the header whether to read on. One pass,
     * never the whole file in memory; the SHA-256 of the bytes read is {@link Opened#digest()}.
     */
    public static Opened open(InputStream raw, String name) throws IOException {
        return new Opened(raw, name);
    }

    /** A model file being read: its header known, its body not read yet. */
    public static final class Opened implements AutoCloseable {
        private final InputStream raw;
        private final String name;
        private final java.security.MessageDigest sha = ModelFormat.newDigest();
        private final CRC32 crc = new CRC32();
        private final BufferedInputStream buffered;
        private final DataInputStream in;
        private final ModelHeader header;
        private String digest;

        private Opened(InputStream raw, String name) throws IOException {
            this.raw = raw;
            this.name = name;
            this.buffered = new BufferedInputStream(new java.security.DigestInputStream(raw, sha), 1 << 16);
            this.in = new DataInputStream(new CheckedInputStream(buffered, crc));
            try {
                this.header = ModelReader.header(in, name);
            } catch (EOFException e) {
                raw.close();
                throw new IOException(name + ": truncated model file", e);
            } catch (IOException | RuntimeException e) {
                raw.close();
                throw e;
            }
        }

        public ModelHeader header() {
            return header;
        }

        /** The SHA-256 (hex) of the whole file, once {@link #read} has returned. */
        public String digest() {
            if (digest == null) {
                throw new IllegalStateException(name + ": not read to its end");
            }
            return digest;
        }

        /**
         * Reads the rest: a full snapshot ({@code base} null) into a new model, or a delta applied to
         * {@code base} in place. With {@code keep}, only the feature rows whose id it accepts are
         * kept (every row is still read and checked): enough to score a given set of examples with
         * a model larger than the heap.
         */
        public Loaded read(AfmModel base, java.util.function.LongPredicate keep) throws IOException {
            return read(base, keep, null);
        }

        /**
         * As {@link #read(AfmModel, java.util.function.LongPredicate)}, and the file must have the
         * SHA-256 {@code expectedDigest} (unless null). Nothing is changed unless the whole file is
         * sound: a delta's changes are applied to {@code base} only after its checksum (and digest)
         * have been checked, so a truncated or corrupted delta leaves the base as it was.
         */
        public Loaded read(AfmModel base, java.util.function.LongPredicate keep, String expectedDigest) throws IOException {
            try {
                return body(base, keep, expectedDigest);
            } catch (EOFException e) {
                throw new IOException(name + ": truncated model file", e);
            }
        }

        private Loaded body(AfmModel base, java.util.function.LongPredicate keep, String expectedDigest) throws IOException {
            Layout layout = new Layout(header.config());
            long examples = in.readLong();
            long refused = in.readLong();
            long rng = in.readLong();
            boolean float32 = header.config().precision() == Precision.FLOAT32;
            double[] bias = readArray(in, 1 + layout.linearSlots, name, "bias");
            // a weights-only file carries no optimizer state: slots read as zeros (serving never reads them)
            int slotCount = header.weightsOnly() ? 0 : layout.attentionSlots * layout.attnSize;
            SharedParams shared;
            if (float32) {
                float[] attn = readFloats(in, layout.attnSize, name, "attention");
                float[] attnSlots = readFloats(in, slotCount, name, "attention slots");
                shared = new SharedParams(bias, attn, header.weightsOnly() ? new float[layout.attentionSlots * layout.attnSize]
                        : attnSlots, examples, refused, rng);
            } else {
                double[] attn = readArray(in, layout.attnSize, name, "attention");
                double[] attnSlots = readArray(in, slotCount, name, "attention slots");
                shared = new SharedParams(bias, attn, header.weightsOnly() ? new double[layout.attentionSlots * layout.attnSize]
                        : attnSlots, examples, refused, rng);
            }
            int rowSize = in.readInt();
            int expectedRow = header.weightsOnly() ? 1 + layout.k : layout.rowSize;
            if (rowSize != expectedRow) {
                throw new IOException(name + ": feature row size " + rowSize + ", expected " + expectedRow);
            }
            long n = in.readLong();
            if (n < 0 && n != ModelFormat.STREAMED) {
                throw new IOException(name + ": bad record count " + n);
            }
            AfmModel model;
            if (header.kind() == ModelFormat.Kind.FULL) {
                if (base != null) {
                    throw new IOException(name + ": a full snapshot cannot be applied as a delta");
                }
                int expected = n == ModelFormat.STREAMED || keep != null ? 1024 : (int) Math.min(n, 1 << 26);
                model = new AfmModel(header.config(), shared, new FeatureTable(expected));
            } else {
                if (base == null) {
                    throw new IOException(name + ": a delta needs its base model (version " + header.baseVersion() + ")");
                }
                if (!base.config().equals(header.config())) {
                    throw new IOException(name + ": delta's configuration differs from the base model's");
                }
                model = new AfmModel(header.config(), shared, base.features());
            }
            // a delta's changes wait here until the file is known to be sound (ids; rows, null for a delete)
            List<Long> changedIds = base != null ? new ArrayList<>() : null;
            List<FeatureParams> changedRows = base != null ? new ArrayList<>() : null;
            FeatureParams skipped = FeatureParams.zeros(header.config().precision(), layout.rowSize, 0);
            for (long q = 0; n == ModelFormat.STREAMED || q < n; q++) {
                byte kind = in.readByte();
                if (kind == ModelFormat.RECORD_END && n == ModelFormat.STREAMED) {
                    break;
                }
                long id = in.readLong();
                boolean kept = keep == null || keep.test(id);
                if (kind == ModelFormat.RECORD_PUT) {
                    long last = in.readLong();
                    FeatureParams row = kept && keep != IDS_ONLY ? FeatureParams.zeros(header.config().precision(), layout.rowSize, last)
                            : skipped;
                    if (float32) {
                        for (int c = 0; c < rowSize; c++) {
                            row.data32[c] = Float.intBitsToFloat(in.readInt());
                        }
                    } else {
                        for (int c = 0; c < rowSize; c++) {
                            row.data[c] = Double.longBitsToDouble(in.readLong());
                        }
                    }
                    FeatureParams f = keep == IDS_ONLY ? NO_ROW : kept ? row : null;
                    if (kept && changedIds != null) {
                        changedIds.add(id);
                        changedRows.add(f);
                    } else if (kept) {
                        model.features().put(id, f);
                    }
                } else if (kind == ModelFormat.RECORD_DELETE) {
                    if (kept && changedIds != null) {
                        changedIds.add(id);
                        changedRows.add(null);
                    } else if (kept) {
                        model.features().remove(id);
                    }
                } else {
                    throw new IOException(name + ": bad record kind " + kind + " at record " + q);
                }
            }
            long expected = crc.getValue();
            long stored = new DataInputStream(buffered).readLong();
            if (stored != expected) {
                throw new IOException(name + ": checksum mismatch (file corrupted or truncated)");
            }
            if (buffered.read() != -1) {
                throw new IOException(name + ": bytes after the checksum (not a model file, or two concatenated)");
            }
            digest = ModelFormat.hex(sha);
            if (expectedDigest != null && !expectedDigest.equals(digest)) {
                throw new IOException(name + ": SHA-256 " + digest + ", expected " + expectedDigest
                        + " (the file is not the one published)");
            }
            if (changedIds != null) {
                for (int i = 0; i < changedIds.size(); i++) {
                    if (changedRows.get(i) != null) {
                        model.features().put(changedIds.get(i), changedRows.get(i));
                    } else {
                        model.features().remove(changedIds.get(i));
                    }
                }
            }
            return new Loaded(header, model);
        }

        @Override
        public void close() throws IOException {
            raw.close();
        }
    }

    /** Only the header of a model file's bytes. */
    public static ModelHeader readHeader(byte[] bytes, String name) throws IOException {
        try {
            return header(new DataInputStream(new ByteArrayInputStream(bytes)), name);
        } catch (EOFException e) {
            throw new IOException(name + ": truncated model file", e);
        }
    }

    /** Magic, format version and the JSON header, checked. */
    private static ModelHeader header(DataInputStream in, String name) throws IOException {
        if (in.readInt() != ModelFormat.MAGIC) {
            throw new IOException(name + ": not an afm model file (bad magic)");
        }
        int fv = in.readInt();
        if (!ModelFormat.known(fv)) {
            throw new IOException(name + ": unsupported format version " + fv);
        }
        int len = in.readInt();
        if (len < 0 || len > (1 << 24)) {
            throw new IOException(name + ": bad header length " + len);
        }
        byte[] json = in.readNBytes(len);
        if (json.length != len) {
            throw new EOFException();
        }
        ModelHeader h = ModelHeader.fromMap(JSON.readValue(new String(json, StandardCharsets.UTF_8),
                new TypeReference<Map<String, Object>>() { }));
        if (fv != ModelFormat.formatVersion(h.config().precision())) {
            throw new IOException(name + ": format version " + fv + " does not hold a " + h.config().precision().id() + " model");
        }
        return h;
    }

    private static float[] readFloats(DataInputStream in, int expected, String name, String what) throws IOException {
        int len = in.readInt();
        if (len != expected) {
            throw new IOException(name + ": " + what + " has " + len + " values, expected " + expected);
        }
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = Float.intBitsToFloat(in.readInt());
        }
        return a;
    }

    private static double[] readArray(DataInputStream in, int expected, String name, String what) throws IOException {
        int len = in.readInt();
        if (len != expected) {
            throw new IOException(name + ": " + what + " has " + len + " values, expected " + expected);
        }
        double[] a = new double[len];
        for (int i = 0; i < len; i++) {
            a[i] = Double.longBitsToDouble(in.readLong());
        }
        return a;
    }
}
