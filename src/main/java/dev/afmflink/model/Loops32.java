package dev.afmflink.model;

/**
 * The element-wise passes of the float32 kernel ({@link AfmKernel32}) outside its three matrix
 * products: each output element is computed by the same exactly rounded float operations in the
 * same order in both implementations — the SIMD one ({@code jdk.incubator.vector}, when the JVM has
 * the module) and the scalar one — so they give the same bits, on any vector width. The two sums,
 * {@link #dot} and {@link #hReluDot}, have one fixed order whatever the hardware: sixteen running
 * sums (element r into sum r mod 16, in increasing r) up to the last multiple of 16, added as a
 * fixed tree ((s_i + s_{i+8}), then + 4 apart, + 2, + 1), then the remaining elements one by one.
 * Sixteen lanes of AVX-512 (or two registers of AVX2) hold the sixteen sums; the scalar twin keeps
 * sixteen variables.
 */
interface Loops32 {

    /** out[o + c] = a[ao + c] · s, c &lt; n. */
    void scale(float[] out, int o, float[] a, int ao, float s, int n);

    /** out[o + c] = a[ao + c] · b[bo + c], c &lt; n. */
    void mul(float[] out, int o, float[] a, int ao, float[] b, int bo, int n);

    /**
     * The ReLU and score layer's backward pass of one pair, over r &lt; t: with on = z &gt; 0 ? 1 : 0,
     * d = ds · h_r · on; gh_r += ds · (z · on); dr_r = d; gb_r += d.
     */
    void reluBackward(float[] z, int zo, float[] h, int ho, float ds, float[] dr, float[] gh, int gho, float[] gb, int gbo,
                      int t);

    /**
     * The pair-gradient scatter of one pair: with e_c = d[dOff + c] + a · dp[c] (dL/de of the pair:
     * its share of W's product plus its attention times dL/d(pooled)), gi[c] += e_c · xj[c];
     * gj[c] += e_c · xi[c], c &lt; n (gi, gj in {@code g}).
     */
    void scatter(float[] g, int gi, int gj, float[] d, int dOff, float a, float[] dp, float[] xv, int xi, int xj, int n);

    /** g[o + c] = g[o + c] · x + l2 · row[ro + c], c &lt; n. */
    void scaleAddL2(float[] g, int o, float x, float l2, float[] row, int ro, int n);

    /** out (cols×rows) = aᵀ, a rows×cols row-major (a copy: no arithmetic). */
    void transpose(float[] a, int rows, int cols, float[] out);

    /** Σ a[ao + c]·b[bo + c], c &lt; n, in the fixed order above. */
    float dot(float[] a, int ao, float[] b, int bo, int n);

    /** Σ h[ho + r]·ReLU(z[zo + r]), r &lt; n, in the fixed order above: one pair's attention score. */
    float hReluDot(float[] z, int zo, float[] h, int ho, int n);

    /** True when a[0 .. n) are all finite (any order: a NaN or an infinity anywhere makes it false). */
    boolean allFinite(float[] a, int n);

    static Loops32 best() {
        return Holder.BEST;
    }

    static Loops32 scalar() {
        return ScalarLoops32.INSTANCE;
    }

    final class Holder {
        static final Loops32 BEST = load();

        private Holder() {
        }

        private static Loops32 load() {
            return dev.afmflink.simd.Simd.load(Loops32.class, "dev.afmflink.model.VectorLoops32", ScalarLoops32.INSTANCE);
        }
    }
}
