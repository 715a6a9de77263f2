package dev.afmflink.optim;

/**
 * A per-coordinate optimizer over a run of {@code n} parameters. Parameters and their slots (the
 * optimizer state: Adagrad's accumulator, FTRL's z and n) live in plain arrays owned by the
 * caller, so the same code updates a feature row held in Flink state, the shared attention block
 * and a model loaded from disk. Slot {@code s} of coordinate {@code c} is at
 * {@code slots[sOff + s * n + c]}.
 */
public interface Optimizer {

    /**
     * Parameters whose magnitude falls below this are set to exactly 0. Such values change no
     * prediction (their contribution is below 1e-98), but once they decay into the subnormal range
     * every operation on them is ~100× slower on x86 (seen: L2 on W made a Frappe run 12× slower).
     */
    double FLUSH_BELOW = 1e-100;

    /** {@code v}, or 0 when |v| &lt; {@link #FLUSH_BELOW}. */
    static double flush(double v) {
        return Math.abs(v) < FLUSH_BELOW ? 0.0 : v;
    }

    /**
     * The float32 flush threshold: well above float's subnormal range (below 1.2e-38), where the
     * same ~100× slowdown starts, and far below any value that changes a float prediction.
     */
    float FLUSH_BELOW_32 = 1e-30f;

    /** {@code v}, or 0 when |v| &lt; {@link #FLUSH_BELOW_32}. */
    static float flush(float v) {
        return Math.abs(v) < FLUSH_BELOW_32 ? 0.0f : v;
    }

    /** Number of state values per coordinate. */
    int slotsPerCoordinate();

    /** Sets the slots of freshly initialised parameters (the parameters already hold their initial values). */
    void initSlots(double[] params, int pOff, double[] slots, int sOff, int n);

    /** One step with gradient {@code grad[gOff .. gOff+n)}. */
    void step(double[] params, int pOff, double[] slots, int sOff, double[] grad, int gOff, int n);

    /** {@link #initSlots(double[], int, double[], int, int)} for a float32 model: computed in double, rounded once. */
    void initSlots(float[] params, int pOff, float[] slots, int sOff, int n);

    /** One step of a float32 model: the same formulas in float arithmetic (hyper-parameters rounded to float). */
    void step(float[] params, int pOff, float[] slots, int sOff, float[] grad, int gOff, int n);

    /**
     * The parameters {@code params[pOff .. pOff+n)} as their slots determine them, after the slots
     * were changed from outside a step (replicas' changes merged, {@code dev.afmflink.sync}): FTRL
     * derives its weights from (z, n); Adagrad's and SGD's parameters are their own (nothing to do).
     */
    default void settle(double[] params, int pOff, double[] slots, int sOff, int n) {
    }

    /** {@link #settle(double[], int, double[], int, int)} of a float32 model. */
    default void settle(float[] params, int pOff, float[] slots, int sOff, int n) {
    }

    /** The spec this optimizer was built from. */
    OptimizerSpec spec();
}
