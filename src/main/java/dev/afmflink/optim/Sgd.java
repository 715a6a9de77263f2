package dev.afmflink.optim;

/** Plain SGD: θ ← θ − lr·g. No state. */
final class Sgd implements Optimizer {
    private final OptimizerSpec spec;
    private final double lr;

    Sgd(OptimizerSpec spec) {
        this.spec = spec;
        this.lr = spec.lr();
    }

    @Override
    public int slotsPerCoordinate() {
        return 0;
    }

    @Override
    public void initSlots(double[] params, int pOff, double[] slots, int sOff, int n) {
    }

    @Override
    public void step(double[] params, int pOff, double[] slots, int sOff, double[] grad, int gOff, int n) {
        for (int c = 0; c < n; c++) {
            params[pOff + c] = Optimizer.flush(params[pOff + c] - lr * grad[gOff + c]);
        }
    }

    @Override
    public void initSlots(float[] params, int pOff, float[] slots, int sOff, int n) {
    }

    @Override
    public void step(float[] params, int pOff, float[] slots, int sOff, float[] grad, int gOff, int n) {
        float lr32 = (float) lr;
        for (int c = 0; c < n; c++) {
            params[pOff + c] = Optimizer.flush(params[pOff + c] - lr32 * grad[gOff + c]);
        }
    }

    @Override
    public OptimizerSpec spec() {
        return spec;
    }
}
