package dev.afmflink.model;

/** {@link Loops32} one element at a time: the reference order. */
final class ScalarLoops32 implements Loops32 {
    static final ScalarLoops32 INSTANCE = new ScalarLoops32();

    @Override
    public void scale(float[] out, int o, float[] a, int ao, float s, int n) {
        for (int c = 0; c < n; c++) {
            out[o + c] = a[ao + c] * s;
        }
    }

    @Override
    public void mul(float[] out, int o, float[] a, int ao, float[] b, int bo, int n) {
        for (int c = 0; c < n; c++) {
            out[o + c] = a[ao + c] * b[bo + c];
        }
    }

    @Override
    public void reluBackward(float[] z, int zo, float[] h, int ho, float ds, float[] dr, float[] gh, int gho, float[] gb,
                             int gbo, int t) {
        reluBackwardRange(z, zo, h, ho, ds, dr, gh, gho, gb, gbo, 0, t);
    }

    static void reluBackwardRange(float[] z, int zo, float[] h, int ho, float ds, float[] dr, float[] gh, int gho, float[] gb,
                                  int gbo, int from, int to) {
        for (int r = from; r < to; r++) {
            float zr = z[zo + r];
            float on = zr > 0 ? 1.0f : 0.0f;
            float d = ds * h[ho + r] * on;
            gh[gho + r] += ds * (zr * on);
            dr[zo + r] = d;
            gb[gbo + r] += d;
        }
    }

    @Override
    public void scatter(float[] g, int gi, int gj, float[] d, int dOff, float[] xv, int xi, int xj, int n) {
        for (int c = 0; c < n; c++) {
            float dc = d[dOff + c];
            g[gi + c] += dc * xv[xj + c];
            g[gj + c] += dc * xv[xi + c];
        }
    }

    @Override
    public void scaleAddL2(float[] g, int o, float x, float l2, float[] row, int ro, int n) {
        for (int c = 0; c < n; c++) {
            g[o + c] = g[o + c] * x + l2 * row[ro + c];
        }
    }

    @Override
    public boolean allFinite(float[] a, int n) {
        return allFinite(a, 0, n);
    }

    /** True when a[from .. to) are all finite. */
    boolean allFinite(float[] a, int from, int to) {
        float s = 0;
        for (int q = from; q < to; q++) {
            s += a[q] * 0.0f;
        }
        return Float.isFinite(s);
    }
}
