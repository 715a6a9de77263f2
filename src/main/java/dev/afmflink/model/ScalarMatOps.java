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
            for (int j = 0; j < cols; j++) {
                double acc = out[o + j];
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
