package dev.afmflink.optim;

/** Adagrad (Duchi et al. 2011): acc ← ρ·acc + g²; θ ← θ − lr·g/√acc (ρ = 1: the textbook; below 1: forgetting). One slot: acc. */
final class Adagrad implements Optimizer {
    private final OptimizerSpec spec;
    private final double lr;
    private final double acc0;
    private final StepLoops loops = StepLoops.best();

    Adagrad(OptimizerSpec spec) {
        this.spec = spec;
        this.lr = spec.lr();
        this.acc0 = spec.initialAccumulator();
    }

    @Override
    public int slotsPerCoordinate() {
        return 1;
    }

    @Override
    public void initSlots(double[] params, int pOff, double[] slots, int sOff, int n) {
        java.util.Arrays.fill(slots, sOff, sOff + n, acc0);
    }

    @Override
    public void step(double[] params, int pOff, double[] slots, int sOff, double[] grad, int gOff, int n) {
        loops.adagrad(params, pOff, slots, sOff, grad, gOff, n, lr, spec.decay());
    }

    @Override
    public void initSlots(float[] params, int pOff, float[] slots, int sOff, int n) {
        java.util.Arrays.fill(slots, sOff, sOff + n, (float) acc0);
    }

    @Override
    public void step(float[] params, int pOff, float[] slots, int sOff, float[] grad, int gOff, int n) {
        loops.adagrad(params, pOff, slots, sOff, grad, gOff, n, (float) lr, (float) spec.decay());
    }

    @Override
    public OptimizerSpec spec() {
        return spec;
    }
}
