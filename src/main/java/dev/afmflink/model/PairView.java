package dev.afmflink.model;

/**
 * The pairs of the example a kernel last ran forward, for explanations and attention reports: the
 * same view of {@link AfmKernel} (float64) and {@link AfmKernel32} (float32).
 */
public interface PairView {
    int pairs();

    /** Index (in the example) of the first feature of pair {@code p}. */
    int pairI(int p);

    int pairJ(int p);

    double attention(int p);

    /** a_p · pᵀ e_p: the pair's share of ŷ (no dropout). */
    double contribution(int p);

    /** pᵀ Σ a_p e_p of the last forward pass. */
    double pairTerm();
}
