package dev.afmflink.model;

/** {@link MatOps} in plain Java: the reference order, one fused multiply-add at a time. */
final class ScalarMatOps implements MatOps {
    static final ScalarMatOps INSTANCE = new ScalarMatOps();

    @Override
    public void accumulate(double[] out, int oOff, int os, int rows, int cols, double[] coef, int cOff, int cs, int cq,
                           double[] m, int mOff, int ms, int n) {
        for (int i = 0; i < rows; i++) {
            int o = oOff + i * os;
            int ci = cOff + i * cs;
            int j = 0;
            // four columns at once: independent FMA chains (each column still sums q in order)
            for (; j + 3 < cols; j += 4) {
                double a0 = out[o + j];
                double a1 = out[o + j + 1];
                double a2 = out[o + j + 2];
                double a3 = out[o + j + 3];
                for (int q = 0; q < n; q++) {
                    double c = coef[ci + q * cq];
                    int r = mOff + q * ms + j;
                    a0 = Math.fma(c, m[r], a0);
                    a1 = Math.fma(c, m[r + 1], a1);
                    a2 = Math.fma(c, m[r + 2], a2);
                    a3 = Math.fma(c, m[r + 3], a3);
                }
                out[o + j] = a0;
                out[o + j + 1] = a1;
                out[o + j + 2] = a2;
                out[o + j + 3] = a3;
            }
            for (; j < cols; j++) {
                double acc = out[o + j];
                for (int q = 0; q < n; q++) {
                    acc = Math.fma(coef[ci + q * cq], m[mOff + q * ms + j], acc);
                }
                out[o + j] = acc;
            }
        }
    }

    @Override
    public void floats(boolean fromZero, float[] out, int oOff, int os, int rows, int cols, float[] coef, int cOff,
                       int cs, int cq, float[] m, int mOff, int ms, int n) {
        for (int i = 0; i < rows; i++) {
            int o = oOff + i * os;
            int ci = cOff + i * cs;
            for (int j = 0; j < cols; j++) {
                float acc = fromZero ? 0.0f : out[o + j];
                for (int q = 0; q < n; q++) {
                    acc = Math.fma(coef[ci + q * cq], m[mOff + q * ms + j], acc);
                }
                out[o + j] = acc;
            }
        }
    }

    @Override
    public String name() {
        return "scalar";
    }
}
