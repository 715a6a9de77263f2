package dev.afmflink.optim;

/**
 * The element loops of Adagrad and FTRL over a run of coordinates, as one interface with a SIMD
 * implementation (Vector API, when the JVM has {@code jdk.incubator.vector}) and a scalar one.
 * Both use only exactly rounded operations in the same order (+, −, ×, ÷, √, compare, select),
 * so they give the same bits.
 */
interface StepLoops {

    /** acc ← ρ·acc + g²; θ ← flush(θ − lr·g/√acc). */
    void adagrad(double[] params, int pOff, double[] slots, int sOff, double[] grad, int gOff, int n, double lr, double rho);

    /** FTRL-Proximal, see {@link Ftrl}; z at sOff, n at sOff + count; z ← ρ·z, n ← ρ·n before the step. */
    void ftrl(double[] params, int pOff, double[] slots, int sOff, double[] grad, int gOff, int count,
              double alpha, double beta, double l1, double l2, double rho);

    /** {@link #adagrad(double[], int, double[], int, double[], int, int, double, double)} in float. */
    void adagrad(float[] params, int pOff, float[] slots, int sOff, float[] grad, int gOff, int n, float lr, float rho);

    /** {@link #ftrl(double[], int, double[], int, double[], int, int, double, double, double, double, double)} in float. */
    void ftrl(float[] params, int pOff, float[] slots, int sOff, float[] grad, int gOff, int count,
              float alpha, float beta, float l1, float l2, float rho);

    static StepLoops best() {
        return Holder.BEST;
    }

    final class Holder {
        static final StepLoops BEST = load();

        private Holder() {
        }

        private static StepLoops load() {
            return dev.afmflink.simd.Simd.load(StepLoops.class, "dev.afmflink.optim.VectorStepLoops", ScalarStepLoops.INSTANCE);
        }
    }
}
