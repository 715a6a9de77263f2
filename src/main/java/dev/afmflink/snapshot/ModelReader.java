package dev.afmflink.snapshot;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.FeatureTable;
import dev.afmflink.model.Layout;
import dev.afmflink.model.SharedParams;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** A loaded model and the header it came with. */
    public record Loaded(ModelHeader header, AfmModel model) {
    }

    /**
     * Loads {@code dir/model.afm}, the file itself when {@code path} is a file, or — for a model's
     * folder of versions written by the streaming job — the latest full snapshot with its deltas.
     */
    public static Loaded load(Path path) throws IOException {
        if (Files.isDirectory(path) && !Files.exists(path.resolve(ModelFormat.FILE_NAME))) {
            SnapshotChain chain = SnapshotChain.loadFolder(path);
            if (chain == null) {
                throw new IOException(path + ": neither a model.afm nor version folders with a full snapshot");
            }
            AfmModel m = chain.model();
            return new Loaded(new ModelHeader(ModelFormat.Kind.FULL, chain.version(), 0, m.shared().examples, m.config(), null,
                    chain.weightsOnly()), m);
        }
        Path file = Files.isDirectory(path) ? path.resolve(ModelFormat.FILE_NAME) : path;
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, null, file.toString());
        }
    }

    /**
     * Reads a full snapshot ({@code base} null) or applies a delta to {@code base}, whose shared
     * parameters are replaced and whose feature table is updated in place.
     */
    public static Loaded read(InputStream raw, AfmModel base, String name) throws IOException {
        CRC32 crc = new CRC32();
        BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
        CheckedInputStream checked = new CheckedInputStream(buffered, crc);
        DataInputStream in = new DataInputStream(checked);
        try {
            ModelHeader header = header(in, name);
            Layout layout = new Layout(header.config());
            long examples = in.readLong();
            long refused = in.readLong();
            long rng = in.readLong();
            double[] bias = readArray(in, 1 + layout.linearSlots, name, "bias");
            double[] attn = readArray(in, layout.attnSize, name, "attention");
            // a weights-only file carries no optimizer state: slots read as zeros (serving never reads them)
            double[] attnSlots = readArray(in, header.weightsOnly() ? 0 : layout.attentionSlots * layout.attnSize, name,
                    "attention slots");
            if (header.weightsOnly()) {
                attnSlots = new double[layout.attentionSlots * layout.attnSize];
            }
            int rowSize = in.readInt();
            int expectedRow = header.weightsOnly() ? 1 + layout.k : layout.rowSize;
            if (rowSize != expectedRow) {
                throw new IOException(name + ": feature row size " + rowSize + ", expected " + expectedRow);
            }
            long n = in.readLong();
            SharedParams shared = new SharedParams(bias, attn, attnSlots, examples, refused, rng);
            AfmModel model;
            if (header.kind() == ModelFormat.Kind.FULL) {
                if (base != null) {
                    throw new IOException(name + ": a full snapshot cannot be applied as a delta");
                }
                model = new AfmModel(header.config(), shared, new FeatureTable((int) Math.min(n, 1 << 26)));
            } else {
                if (base == null) {
                    throw new IOException(name + ": a delta needs its base model (version " + header.baseVersion() + ")");
                }
                if (!base.config().equals(header.config())) {
                    throw new IOException(name + ": delta's configuration differs from the base model's");
                }
                model = new AfmModel(header.config(), shared, base.features());
            }
            for (long q = 0; q < n; q++) {
                byte kind = in.readByte();
                long id = in.readLong();
                if (kind == ModelFormat.RECORD_PUT) {
                    long last = in.readLong();
                    double[] row = new double[layout.rowSize];
                    for (int c = 0; c < rowSize; c++) {
                        row[c] = Double.longBitsToDouble(in.readLong());
                    }
                    model.features().put(id, new FeatureParams(row, last));
                } else if (kind == ModelFormat.RECORD_DELETE) {
                    model.features().remove(id);
                } else {
                    throw new IOException(name + ": bad record kind " + kind + " at record " + q);
                }
            }
            long expected = crc.getValue();
            long stored = new DataInputStream(buffered).readLong();
            if (stored != expected) {
                throw new IOException(name + ": checksum mismatch (file corrupted or truncated)");
            }
            return new Loaded(header, model);
        } catch (EOFException e) {
            throw new IOException(name + ": truncated model file", e);
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
        if (fv != ModelFormat.FORMAT_VERSION) {
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
        return ModelHeader.fromMap(JSON.readValue(new String(json, StandardCharsets.UTF_8),
                new TypeReference<Map<String, Object>>() { }));
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
