package dev.afmflink.model;

import java.util.Locale;

/**
 * The number type a model's parameters and optimizer state are kept and computed in. Chosen per
 * model, recorded in its header (and so in every snapshot); a model never changes precision.
 *
 * <ul>
 *   <li>{@link #FLOAT64}: doubles everywhere; the reference the vectors check at 1e-9.</li>
 *   <li>{@link #FLOAT32}: embeddings, linear weights, the attention block and every optimizer slot in
 *       {@code float} (half the bytes per feature, twice the SIMD lanes); w0, the loss, its gradient
 *       and the softmax normaliser in double (see {@link AfmKernel32}).</li>
 * </ul>
 */
public enum Precision {
    FLOAT64, FLOAT32;

    /**
     * What every command builds unless told otherwise: float32 measured 2.2× float64's training
     * speed at k = t = 64 and 1.6× at 16 with the same quality on Frappe, Criteo and the simulated
     * click-stream (README "Precision", docs/benchmarks.md).
     */
    public static final Precision DEFAULT = FLOAT32;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Bytes of one parameter or slot. */
    public int bytes() {
        return this == FLOAT32 ? 4 : 8;
    }

    /** A comma-separated list of precisions ("float32,float64"), in its order. */
    public static java.util.List<Precision> parseList(String s) {
        return java.util.Arrays.stream(s.split(",")).map(Precision::parse).toList();
    }

    public static Precision parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown precision '" + s + "' (float32 or float64)");
        }
    }
}
