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
    public void scatter(float[] g, int gi, int gj, float[] d, int dOff, float a, float[] dp, float[] xv, int xi, int xj, int n) {
        scatterRange(g, gi, gj, d, dOff, a, dp, xv, xi, xj, 0, n);
    }

    static void scatterRange(float[] g, int gi, int gj, float[] d, int dOff, float a, float[] dp, float[] xv, int xi, int xj,
                             int from, int n) {
        for (int c = from; c < n; c++) {
            float dc = d[dOff + c] + a * dp[c];
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

    @Override
    public float hReluDot(float[] z, int zo, float[] h, int ho, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        float s8 = 0, s9 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s14 = 0, s15 = 0;
        int r = 0;
        for (; r + 16 <= n; r += 16) {
            s0 += h[ho + r] * relu(z[zo + r]);
            s1 += h[ho + r + 1] * relu(z[zo + r + 1]);
            s2 += h[ho + r + 2] * relu(z[zo + r + 2]);
            s3 += h[ho + r + 3] * relu(z[zo + r + 3]);
            s4 += h[ho + r + 4] * relu(z[zo + r + 4]);
            s5 += h[ho + r + 5] * relu(z[zo + r + 5]);
            s6 += h[ho + r + 6] * relu(z[zo + r + 6]);
            s7 += h[ho + r + 7] * relu(z[zo + r + 7]);
            s8 += h[ho + r + 8] * relu(z[zo + r + 8]);
            s9 += h[ho + r + 9] * relu(z[zo + r + 9]);
            s10 += h[ho + r + 10] * relu(z[zo + r + 10]);
            s11 += h[ho + r + 11] * relu(z[zo + r + 11]);
            s12 += h[ho + r + 12] * relu(z[zo + r + 12]);
            s13 += h[ho + r + 13] * relu(z[zo + r + 13]);
            s14 += h[ho + r + 14] * relu(z[zo + r + 14]);
            s15 += h[ho + r + 15] * relu(z[zo + r + 15]);
        }
        float x = tree(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15);
        for (; r < n; r++) {
            x += h[ho + r] * relu(z[zo + r]);
        }
        return x;
    }

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        float s8 = 0, s9 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s14 = 0, s15 = 0;
        int r = 0;
        for (; r + 16 <= n; r += 16) {
            s0 += a[ao + r] * b[bo + r];
            s1 += a[ao + r + 1] * b[bo + r + 1];
            s2 += a[ao + r + 2] * b[bo + r + 2];
            s3 += a[ao + r + 3] * b[bo + r + 3];
            s4 += a[ao + r + 4] * b[bo + r + 4];
            s5 += a[ao + r + 5] * b[bo + r + 5];
            s6 += a[ao + r + 6] * b[bo + r + 6];
            s7 += a[ao + r + 7] * b[bo + r + 7];
            s8 += a[ao + r + 8] * b[bo + r + 8];
            s9 += a[ao + r + 9] * b[bo + r + 9];
            s10 += a[ao + r + 10] * b[bo + r + 10];
            s11 += a[ao + r + 11] * b[bo + r + 11];
            s12 += a[ao + r + 12] * b[bo + r + 12];
            s13 += a[ao + r + 13] * b[bo + r + 13];
            s14 += a[ao + r + 14] * b[bo + r + 14];
            s15 += a[ao + r + 15] * b[bo + r + 15];
        }
        float x = tree(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15);
        for (; r < n; r++) {
            x += a[ao + r] * b[bo + r];
        }
        return x;
    }

    @Override
    public void transpose(float[] a, int rows, int cols, float[] out) {
        transposeColumns(a, rows, cols, out, 0);
    }

    /** Columns [from, cols) of the transpose. */
    static void transposeColumns(float[] a, int rows, int cols, float[] out, int from) {
        for (int c = from; c < cols; c++) {
            int co = c * rows;
            for (int r = 0; r < rows; r++) {
                out[co + r] = a[r * cols + c];
            }
        }
    }

    static float relu(float v) {
        return v > 0 ? v : 0.0f; // a select, not a branch: ReLU signs are coin flips
    }

    /** The fixed tree of {@link Loops32#dot}'s sixteen running sums. */
    static float tree(float s0, float s1, float s2, float s3, float s4, float s5, float s6, float s7, float s8, float s9,
                      float s10, float s11, float s12, float s13, float s14, float s15) {
        float t0 = s0 + s8;
        float t1 = s1 + s9;
        float t2 = s2 + s10;
        float t3 = s3 + s11;
        float t4 = s4 + s12;
        float t5 = s5 + s13;
        float t6 = s6 + s14;
        float t7 = s7 + s15;
        float u0 = t0 + t4;
        float u1 = t1 + t5;
        float u2 = t2 + t6;
        float u3 = t3 + t7;
        float w0 = u0 + u2;
        float w1 = u1 + u3;
        return w0 + w1;
    }
}
