package dev.afmflink.model;

/**
 * The one dense primitive the AFM's cost is made of: a small matrix product accumulated into its
 * output,
 * <pre>
 *   out[oOff + i·os + j] += Σ_{q&lt;n} coef[cOff + i·cs + q·cq] · m[mOff + q·ms + j]   (i &lt; rows, j &lt; cols)
 * </pre>
 * Every output element is computed by fused multiply-adds in increasing q, starting from its
 * current value. Both implementations follow exactly that order, so they give the same bits: the
 * SIMD one ({@code jdk.incubator.vector}, used when the JVM has the module) and the scalar
 * {@link Math#fma} one.
 */
public interface MatOps {

    void accumulate(double[] out, int oOff, int os, int rows, int cols,
                    double[] coef, int cOff, int cs, int cq,
                    double[] m, int mOff, int ms, int n);

    /**
     * The same product in float ({@link Precision#FLOAT32}): float fused multiply-adds in increasing
     * q, starting from out's value, or from +0 with {@code fromZero} (the bits of a zero-filled out,
     * without reading it).
     */
    void floats(boolean fromZero, float[] out, int oOff, int os, int rows, int cols,
                float[] coef, int cOff, int cs, int cq,
                float[] m, int mOff, int ms, int n);

    /** out += Σ … in float. */
    default void accumulate(float[] out, int oOff, int os, int rows, int cols, float[] coef, int cOff, int cs, int cq,
                            float[] m, int mOff, int ms, int n) {
        floats(false, out, oOff, os, rows, cols, coef, cOff, cs, cq, m, mOff, ms, n);
    }

    /** out = Σ … in float: written, not added. */
    default void product(float[] out, int oOff, int os, int rows, int cols, float[] coef, int cOff, int cs, int cq,
                         float[] m, int mOff, int ms, int n) {
        floats(true, out, oOff, os, rows, cols, coef, cOff, cs, cq, m, mOff, ms, n);
    }

    /** A short name for logs and benchmarks. */
    String name();

    /** The fastest implementation this JVM can run. */
    static MatOps best() {
        return Holder.BEST;
    }

    /** The scalar reference. */
    static MatOps scalar() {
        return ScalarMatOps.INSTANCE;
    }

    final class Holder {
        static final MatOps BEST = load();

        private Holder() {
        }

        private static MatOps load() {
            return dev.afmflink.simd.Simd.load(MatOps.class, "dev.afmflink.model.VectorMatOps", ScalarMatOps.INSTANCE);
        }
    }
}
