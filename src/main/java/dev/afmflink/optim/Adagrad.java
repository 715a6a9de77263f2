package dev.afmflink.optim;

/** Adagrad (Duchi et al. 2011): acc ← acc + g²; θ ← θ − lr·g/√acc. One slot: acc. */
final class Adagrad implements Optimizer {
    private final OptimizerSpec spec;
    private final double lr;
    private final double acc0;

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
        // two simple loops (one store stream each) so HotSpot can vectorize them
        for (int c = 0; c < n; c++) {
            double g = grad[gOff + c];
            slots[sOff + c] += g * g;
        }
        for (int c = 0; c < n; c++) {
            params[pOff + c] = Optimizer.flush(params[pOff + c] - lr * grad[gOff + c] / Math.sqrt(slots[sOff + c]));
        }
    }

    @Override
    public OptimizerSpec spec() {
        return spec;
    }
}
