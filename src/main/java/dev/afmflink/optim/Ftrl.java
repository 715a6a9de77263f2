package dev.afmflink.optim;

/**
 * FTRL-Proximal (McMahan et al. 2013, "Ad Click Prediction: a View from the Trenches", Alg. 1),
 * per coordinate. Two slots: z then n. The weight is derived from (z, n):
 * θ = 0 if |z| ≤ λ1, else −(z − sign(z)·λ1) / ((β + √n)/α + λ2).
 *
 * <p>Initialisation: for a parameter that starts at θ0 ≠ 0 (a random embedding), z starts at
 * −θ0·(β/α + λ2) − sign(θ0)·λ1, the one value for which the derived weight at n = 0 equals θ0.
 * A zero start gives z = 0, exactly McMahan's algorithm.
 *
 * <p>Forgetting (ρ &lt; 1): both z and n decay by ρ before each step of a coordinate, so the weight
 * follows the recent gradients. Decaying n alone would let |z| keep growing while √n stays bounded,
 * and the weight −z·α/(β + √n) with it: the linear group diverged that way (logloss 18.9 on the
 * simulated drift, docs/feedback.md).
 */
final class Ftrl implements Optimizer {
    private final OptimizerSpec spec;
    private final double alpha;
    private final double beta;
    private final double l1;
    private final double l2;
    private final StepLoops loops = StepLoops.best();

    Ftrl(OptimizerSpec spec) {
        this.spec = spec;
        this.alpha = spec.lr();
        this.beta = spec.beta();
        this.l1 = spec.l1();
        this.l2 = spec.l2();
    }

    @Override
    public int slotsPerCoordinate() {
        return 2;
    }

    @Override
    public void initSlots(double[] params, int pOff, double[] slots, int sOff, int n) {
        for (int c = 0; c < n; c++) {
            double theta = params[pOff + c];
            slots[sOff + c] = theta == 0 ? 0.0 : -theta * (beta / alpha + l2) - Math.signum(theta) * l1;
            slots[sOff + n + c] = 0.0;
        }
    }

    @Override
    public void step(double[] params, int pOff, double[] slots, int sOff, double[] grad, int gOff, int n) {
        loops.ftrl(params, pOff, slots, sOff, grad, gOff, n, alpha, beta, l1, l2, spec.decay());
    }

    @Override
    public void initSlots(float[] params, int pOff, float[] slots, int sOff, int n) {
        for (int c = 0; c < n; c++) {
            double theta = params[pOff + c];
            slots[sOff + c] = (float) (theta == 0 ? 0.0 : -theta * (beta / alpha + l2) - Math.signum(theta) * l1);
            slots[sOff + n + c] = 0.0f;
        }
    }

    @Override
    public void step(float[] params, int pOff, float[] slots, int sOff, float[] grad, int gOff, int n) {
        loops.ftrl(params, pOff, slots, sOff, grad, gOff, n, (float) alpha, (float) beta, (float) l1, (float) l2,
                (float) spec.decay());
    }

    /** θ from (z, n) as a step leaves it, with no gradient: the step's last line. */
    @Override
    public void settle(double[] params, int pOff, double[] slots, int sOff, int n) {
        for (int c = 0; c < n; c++) {
            double z = slots[sOff + c];
            double sl1 = z < 0 ? -l1 : l1;
            params[pOff + c] = Math.abs(z) <= l1 ? 0.0
                    : Optimizer.flush(-(z - sl1) / ((beta + Math.sqrt(slots[sOff + n + c])) / alpha + l2));
        }
    }

    @Override
    public void settle(float[] params, int pOff, float[] slots, int sOff, int n) {
        float a = (float) alpha;
        float b = (float) beta;
        float f1 = (float) l1;
        float f2 = (float) l2;
        for (int c = 0; c < n; c++) {
            float z = slots[sOff + c];
            float sl1 = z < 0 ? -f1 : f1;
            params[pOff + c] = Math.abs(z) <= f1 ? 0.0f
                    : Optimizer.flush(-(z - sl1) / ((b + (float) Math.sqrt(slots[sOff + n + c])) / a + f2));
        }
    }

    @Override
    public OptimizerSpec spec() {
        return spec;
    }
}
