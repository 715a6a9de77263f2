package dev.afmflink.snapshot;

/**
 * Constants of the model file format (docs/model-format.md). All numbers big-endian, doubles and
 * floats as their IEEE-754 bits, so a written model loads back bit for bit.
 */
public final class ModelFormat {
    /** "AFMF" */
    public static final int MAGIC = 0x41464D46;
    /** A float64 model's files: every parameter and slot an 8-byte IEEE-754 double. */
    public static final int FORMAT_VERSION = 1;
    /**
     * A float32 model's files: the same layout, with the attention block, its slots and the feature
     * rows as 4-byte IEEE-754 floats (w0 and its slots stay doubles, as in memory). A reader that
     * knows only version 1 refuses them instead of misreading them.
     */
    public static final int FORMAT_VERSION_FLOAT32 = 2;

    /** True for a format version this reader knows (1 or 2). */
    public static boolean known(int version) {
        return version == FORMAT_VERSION || version == FORMAT_VERSION_FLOAT32;
    }

    /** The format version of a model kept in {@code p}. */
    public static int formatVersion(dev.afmflink.model.Precision p) {
        return p == dev.afmflink.model.Precision.FLOAT32 ? FORMAT_VERSION_FLOAT32 : FORMAT_VERSION;
    }
    public static final String FILE_NAME = "model.afm";

    /** A full snapshot holds every feature; a delta only those changed since its base version. */
    public enum Kind {
        FULL, DELTA;

        /** How the kind is spelled in headers, folder names and Kafka headers: "full", "delta". */
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The kind spelled {@code id} ({@link #id()}). */
        public static Kind of(String id) {
            return valueOf(id.toUpperCase(java.util.Locale.ROOT));
        }
    }

    static final byte RECORD_PUT = 0;
    static final byte RECORD_DELETE = 1;
    /** Ends the records of a streamed file (record count {@link #STREAMED}). */
    static final byte RECORD_END = 2;
    /**
     * The record count of a file written as a stream (the count is not known when the header is
     * written: a snapshot read from RocksDB as it is written out): the records end with an end record.
     */
    public static final long STREAMED = -1;

    private ModelFormat() {
    }

    /**
     * The order of feature records in every file: ascending ids as unsigned 64-bit numbers — the
     * order in which RocksDB iterates a {@code MapState<Long, …>} (big-endian keys compared as
     * bytes), so a snapshot can be written straight from state without sorting it on the heap.
     */
    public static int compareIds(long a, long b) {
        return Long.compareUnsigned(a, b);
    }

    /** Sorts {@code ids} in place in file order ({@link #compareIds}); returns it. */
    public static long[] sortIds(long[] ids) {
        return dev.afmflink.model.FeatureTable.sortUnsigned(ids);
    }

    /** A SHA-256 for a file written or read as a stream: {@link #hex} gives what {@link #digest(byte[])} gives for the bytes. */
    public static java.security.MessageDigest newDigest() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    public static String hex(java.security.MessageDigest d) {
        return java.util.HexFormat.of().formatHex(d.digest());
    }

    /**
     * The digest of one published file: SHA-256 of its bytes, hex. A delta names its base's digest
     * ({@link ModelHeader#baseDigest()}), so a consumer never applies it to another model that
     * carries the same version number.
     */
    public static String digest(byte[] bytes) {
        java.security.MessageDigest d = newDigest();
        d.update(bytes);
        return hex(d);
    }
}
