package dev.afmflink.optim;

/** {@link StepLoops} one coordinate at a time: the reference order. */
final class ScalarStepLoops implements StepLoops {
    static final ScalarStepLoops INSTANCE = new ScalarStepLoops();

    @Override
    public void adagrad(double[] params, int pOff, double[] slots, int sOff, double[] grad, int gOff, int n, double lr, double rho) {
        for (int c = 0; c < n; c++) {
            double g = grad[gOff + c];
            double acc = rho * slots[sOff + c] + g * g;
            slots[sOff + c] = acc;
            params[pOff + c] = Optimizer.flush(params[pOff + c] - lr * g / Math.sqrt(acc));
        }
    }

    @Override
    public void ftrl(double[] params, int pOff, double[] slots, int sOff, double[] grad, int gOff, int count,
                     double alpha, double beta, double l1, double l2, double rho) {
        ftrlRange(params, pOff, slots, sOff, sOff + count, grad, gOff, 0, count, alpha, beta, l1, l2, rho);
    }

    /** FTRL on coordinates [from, to): z of coordinate c at zOff + c, n at nOff + c (both decayed by ρ before the step). */
    static void ftrlRange(double[] params, int pOff, double[] slots, int zOff, int nOff, double[] grad, int gOff,
                          int from, int to, double alpha, double beta, double l1, double l2, double rho) {
        for (int c = from; c < to; c++) {
            double g = grad[gOff + c];
            double z = rho * slots[zOff + c];
            double nOld = rho * slots[nOff + c];
            double nNew = nOld + g * g;
            double sqrtNew = Math.sqrt(nNew);
            double sigma = (sqrtNew - Math.sqrt(nOld)) / alpha;
            z = z + (g - sigma * params[pOff + c]);
            slots[zOff + c] = z;
            slots[nOff + c] = nNew;
            double sl1 = z < 0 ? -l1 : l1;
            params[pOff + c] = Math.abs(z) <= l1 ? 0.0 : Optimizer.flush(-(z - sl1) / ((beta + sqrtNew) / alpha + l2));
        }
    }

    @Override
    public void adagrad(float[] params, int pOff, float[] slots, int sOff, float[] grad, int gOff, int n, float lr, float rho) {
        for (int c = 0; c < n; c++) {
            float g = grad[gOff + c];
            float acc = rho * slots[sOff + c] + g * g;
            slots[sOff + c] = acc;
            params[pOff + c] = Optimizer.flush(params[pOff + c] - lr * g / (float) Math.sqrt(acc));
        }
    }

    @Override
    public void ftrl(float[] params, int pOff, float[] slots, int sOff, float[] grad, int gOff, int count,
                     float alpha, float beta, float l1, float l2, float rho) {
        ftrlRange(params, pOff, slots, sOff, sOff + count, grad, gOff, 0, count, alpha, beta, l1, l2, rho);
    }

    /** {@link #ftrlRange(double[], int, double[], int, int, double[], int, int, int, double, double, double, double, double)} in float. */
    static void ftrlRange(float[] params, int pOff, float[] slots, int zOff, int nOff, float[] grad, int gOff,
                          int from, int to, float alpha, float beta, float l1, float l2, float rho) {
        for (int c = from; c < to; c++) {
            float g = grad[gOff + c];
            float z = rho * slots[zOff + c];
            float nOld = rho * slots[nOff + c];
            float nNew = nOld + g * g;
            float sqrtNew = (float) Math.sqrt(nNew);
            float sigma = (sqrtNew - (float) Math.sqrt(nOld)) / alpha;
            z = z + (g - sigma * params[pOff + c]);
            slots[zOff + c] = z;
            slots[nOff + c] = nNew;
            float sl1 = z < 0 ? -l1 : l1;
            params[pOff + c] = Math.abs(z) <= l1 ? 0.0f : Optimizer.flush(-(z - sl1) / ((beta + sqrtNew) / alpha + l2));
        }
    }
}
