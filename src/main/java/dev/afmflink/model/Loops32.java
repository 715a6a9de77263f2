package dev.afmflink.model;

/**
 * The element-wise passes of the float32 kernel ({@link AfmKernel32}) outside its three matrix
 * products: each output element is computed by the same exactly rounded float operations in the
 * same order in both implementations — the SIMD one ({@code jdk.incubator.vector}, when the JVM has
 * the module) and the scalar one — so they give the same bits. None of them sums across elements
 * (the kernel's few sums run in one fixed scalar order).
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

    /** The pair-gradient scatter of one pair: gi[c] += d[c] · xj[c]; gj[c] += d[c] · xi[c], c &lt; n (gi, gj in {@code g}). */
    void scatter(float[] g, int gi, int gj, float[] d, int dOff, float[] xv, int xi, int xj, int n);

    /** g[o + c] = g[o + c] · x + l2 · row[ro + c], c &lt; n. */
    void scaleAddL2(float[] g, int o, float x, float l2, float[] row, int ro, int n);

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
            if (Boolean.getBoolean("afm.scalar") || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                return ScalarLoops32.INSTANCE;
            }
            try {
                return (Loops32) Class.forName("dev.afmflink.model.VectorLoops32").getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                return ScalarLoops32.INSTANCE;
            }
        }
    }
}
