package dev.afmflink.optim;

/**
 * A per-coordinate optimizer over a run of {@code n} parameters. Parameters and their slots (the
 * optimizer state: Adagrad's accumulator, FTRL's z and n) live in plain arrays owned by the
 * caller, so the same code updates a feature row held in Flink state, the shared attention block
 * and a model loaded from disk. Slot {@code s} of coordinate {@code c} is at
 * {@code slots[sOff + s * n + c]}.
 */
public interface Optimizer {

    /** Number of state values per coordinate. */
    int slotsPerCoordinate();

    /** Sets the slots of freshly initialised parameters (the parameters already hold their initial values). */
    void initSlots(double[] params, int pOff, double[] slots, int sOff, int n);

    /** One step with gradient {@code grad[gOff .. gOff+n)}. */
    void step(double[] params, int pOff, double[] slots, int sOff, double[] grad, int gOff, int n);

    /** The spec this optimizer was built from. */
    OptimizerSpec spec();
}
