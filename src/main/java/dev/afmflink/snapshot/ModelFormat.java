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
}
