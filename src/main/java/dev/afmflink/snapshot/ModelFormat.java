package dev.afmflink.snapshot;

/**
 * Constants of the model file format (docs/model-format.md). All numbers big-endian, doubles as
 * their IEEE-754 bits, so a written model loads back bit for bit.
 */
public final class ModelFormat {
    /** "AFMF" */
    public static final int MAGIC = 0x41464D46;
    public static final int FORMAT_VERSION = 1;
    public static final String FILE_NAME = "model.afm";

    /** A full snapshot holds every feature; a delta only those changed since its base version. */
    public enum Kind {
        FULL, DELTA
    }

    static final byte RECORD_PUT = 0;
    static final byte RECORD_DELETE = 1;

    private ModelFormat() {
    }

    /**
     * The digest of one published file: SHA-256 of its bytes, hex. A delta names its base's digest
     * ({@link ModelHeader#baseDigest()}), so a consumer never applies it to another model that
     * carries the same version number.
     */
    public static String digest(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
