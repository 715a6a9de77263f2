package dev.afmflink.model;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link MatOps} with the Vector API: for each output row, blocks of four (then one) SIMD
 * registers of columns stay in registers while q runs; each step broadcasts one coefficient and
 * issues a fused multiply-add per register. Columns left over are done by the scalar order, so
 * every element sees the same operations as in {@link ScalarMatOps}. Loaded by reflection only
 * when the JVM has {@code jdk.incubator.vector} ({@code --add-modules jdk.incubator.vector}).
 */
final class VectorMatOps implements MatOps {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LF = F.length();
    /** The 4×4 float block needs 32 vector registers: AVX-512 has them (a 512-bit species), AVX2 16. */
    private static final boolean FOUR_BY_FOUR = F.vectorBitSize() >= 512 && !Boolean.getBoolean("afm.twoRows");

    @Override
    public void accumulate(double[] out, int oOff, int os, int rows, int cols, double[] coef, int cOff, int cs, int cq,
                           double[] m, int mOff, int ms, int n) {
        int i = 0;
        for (; i + 1 < rows; i += 2) {
            twoRows(out, oOff + i * os, oOff + (i + 1) * os, cols, coef, cOff + i * cs, cOff + (i + 1) * cs, cq, m, mOff, ms, n);
        }
        for (; i < rows; i++) {
            int o = oOff + i * os;
            int ci = cOff + i * cs;
            int j = 0;
            for (; j + 4 * L <= cols; j += 4 * L) {
                DoubleVector a0 = DoubleVector.fromArray(S, out, o + j);
                DoubleVector a1 = DoubleVector.fromArray(S, out, o + j + L);
                DoubleVector a2 = DoubleVector.fromArray(S, out, o + j + 2 * L);
                DoubleVector a3 = DoubleVector.fromArray(S, out, o + j + 3 * L);
                for (int q = 0; q < n; q++) {
                    DoubleVector c = DoubleVector.broadcast(S, coef[ci + q * cq]);
                    int r = mOff + q * ms + j;
                    a0 = c.fma(DoubleVector.fromArray(S, m, r), a0);
                    a1 = c.fma(DoubleVector.fromArray(S, m, r + L), a1);
                    a2 = c.fma(DoubleVector.fromArray(S, m, r + 2 * L), a2);
                    a3 = c.fma(DoubleVector.fromArray(S, m, r + 3 * L), a3);
                }
                a0.intoArray(out, o + j);
                a1.intoArray(out, o + j + L);
                a2.intoArray(out, o + j + 2 * L);
                a3.intoArray(out, o + j + 3 * L);
            }
            for (; j + L <= cols; j += L) {
                DoubleVector a0 = DoubleVector.fromArray(S, out, o + j);
                for (int q = 0; q < n; q++) {
                    a0 = DoubleVector.broadcast(S, coef[ci + q * cq]).fma(DoubleVector.fromArray(S, m, mOff + q * ms + j), a0);
                }
                a0.intoArray(out, o + j);
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

    /** Two output rows at once: each loaded block of m feeds two rows' accumulators. */
    private static void twoRows(double[] out, int o0, int o1, int cols, double[] coef, int c0, int c1, int cq,
                                double[] m, int mOff, int ms, int n) {
        int j = 0;
        for (; j + 4 * L <= cols; j += 4 * L) {
            DoubleVector a0 = DoubleVector.fromArray(S, out, o0 + j);
            DoubleVector a1 = DoubleVector.fromArray(S, out, o0 + j + L);
            DoubleVector a2 = DoubleVector.fromArray(S, out, o0 + j + 2 * L);
            DoubleVector a3 = DoubleVector.fromArray(S, out, o0 + j + 3 * L);
            DoubleVector b0 = DoubleVector.fromArray(S, out, o1 + j);
            DoubleVector b1 = DoubleVector.fromArray(S, out, o1 + j + L);
            DoubleVector b2 = DoubleVector.fromArray(S, out, o1 + j + 2 * L);
            DoubleVector b3 = DoubleVector.fromArray(S, out, o1 + j + 3 * L);
            for (int q = 0; q < n; q++) {
                DoubleVector ca = DoubleVector.broadcast(S, coef[c0 + q * cq]);
                DoubleVector cb = DoubleVector.broadcast(S, coef[c1 + q * cq]);
                int r = mOff + q * ms + j;
                DoubleVector m0 = DoubleVector.fromArray(S, m, r);
                DoubleVector m1 = DoubleVector.fromArray(S, m, r + L);
                DoubleVector m2 = DoubleVector.fromArray(S, m, r + 2 * L);
                DoubleVector m3 = DoubleVector.fromArray(S, m, r + 3 * L);
                a0 = ca.fma(m0, a0);
                a1 = ca.fma(m1, a1);
                a2 = ca.fma(m2, a2);
                a3 = ca.fma(m3, a3);
                b0 = cb.fma(m0, b0);
                b1 = cb.fma(m1, b1);
                b2 = cb.fma(m2, b2);
                b3 = cb.fma(m3, b3);
            }
            a0.intoArray(out, o0 + j);
            a1.intoArray(out, o0 + j + L);
            a2.intoArray(out, o0 + j + 2 * L);
            a3.intoArray(out, o0 + j + 3 * L);
            b0.intoArray(out, o1 + j);
            b1.intoArray(out, o1 + j + L);
            b2.intoArray(out, o1 + j + 2 * L);
            b3.intoArray(out, o1 + j + 3 * L);
        }
        for (; j + L <= cols; j += L) {
            DoubleVector a0 = DoubleVector.fromArray(S, out, o0 + j);
            DoubleVector b0 = DoubleVector.fromArray(S, out, o1 + j);
            for (int q = 0; q < n; q++) {
                DoubleVector m0 = DoubleVector.fromArray(S, m, mOff + q * ms + j);
                a0 = DoubleVector.broadcast(S, coef[c0 + q * cq]).fma(m0, a0);
                b0 = DoubleVector.broadcast(S, coef[c1 + q * cq]).fma(m0, b0);
            }
            a0.intoArray(out, o0 + j);
            b0.intoArray(out, o1 + j);
        }
        for (; j < cols; j++) {
            double a = out[o0 + j];
            double b = out[o1 + j];
            for (int q = 0; q < n; q++) {
                double mv = m[mOff + q * ms + j];
                a = Math.fma(coef[c0 + q * cq], mv, a);
                b = Math.fma(coef[c1 + q * cq], mv, b);
            }
            out[o0 + j] = a;
            out[o1 + j] = b;
        }
    }

    @Override
    public void floats(boolean fromZero, float[] out, int oOff, int os, int rows, int cols, float[] coef, int cOff,
                       int cs, int cq, float[] m, int mOff, int ms, int n) {
        int i = 0;
        if (FOUR_BY_FOUR && cols >= 4 * LF) {
            for (; i + 3 < rows; i += 4) {
                fourRowsF(fromZero, out, oOff + i * os, os, cols, coef, cOff + i * cs, cs, cq, m, mOff, ms, n);
            }
        }
        for (; i + 1 < rows; i += 2) {
            twoRowsF(fromZero, out, oOff + i * os, oOff + (i + 1) * os, cols, coef, cOff + i * cs, cOff + (i + 1) * cs, cq, m, mOff, ms, n);
        }
        for (; i < rows; i++) {
            int o = oOff + i * os;
            int ci = cOff + i * cs;
            int j = 0;
            for (; j + 4 * LF <= cols; j += 4 * LF) {
                FloatVector a0 = start(fromZero, out, o + j);
                FloatVector a1 = start(fromZero, out, o + j + LF);
                FloatVector a2 = start(fromZero, out, o + j + 2 * LF);
                FloatVector a3 = start(fromZero, out, o + j + 3 * LF);
                for (int q = 0; q < n; q++) {
                    FloatVector c = FloatVector.broadcast(F, coef[ci + q * cq]);
                    int r = mOff + q * ms + j;
                    a0 = c.fma(FloatVector.fromArray(F, m, r), a0);
                    a1 = c.fma(FloatVector.fromArray(F, m, r + LF), a1);
                    a2 = c.fma(FloatVector.fromArray(F, m, r + 2 * LF), a2);
                    a3 = c.fma(FloatVector.fromArray(F, m, r + 3 * LF), a3);
                }
                a0.intoArray(out, o + j);
                a1.intoArray(out, o + j + LF);
                a2.intoArray(out, o + j + 2 * LF);
                a3.intoArray(out, o + j + 3 * LF);
            }
            for (; j + LF <= cols; j += LF) {
                FloatVector a0 = start(fromZero, out, o + j);
                for (int q = 0; q < n; q++) {
                    a0 = FloatVector.broadcast(F, coef[ci + q * cq]).fma(FloatVector.fromArray(F, m, mOff + q * ms + j), a0);
                }
                a0.intoArray(out, o + j);
            }
            for (; j < cols; j++) {
                float acc = fromZero ? 0.0f : out[o + j];
                for (int q = 0; q < n; q++) {
                    acc = Math.fma(coef[ci + q * cq], m[mOff + q * ms + j], acc);
                }
                out[o + j] = acc;
            }
        }
    }

    /** Two output rows at once: each loaded block of m feeds two rows' accumulators. */
    private static void twoRowsF(boolean fromZero, float[] out, int o0, int o1, int cols, float[] coef, int c0, int c1, int cq,
                                float[] m, int mOff, int ms, int n) {
        int j = 0;
        for (; j + 4 * LF <= cols; j += 4 * LF) {
            FloatVector a0 = start(fromZero, out, o0 + j);
            FloatVector a1 = start(fromZero, out, o0 + j + LF);
            FloatVector a2 = start(fromZero, out, o0 + j + 2 * LF);
            FloatVector a3 = start(fromZero, out, o0 + j + 3 * LF);
            FloatVector b0 = start(fromZero, out, o1 + j);
            FloatVector b1 = start(fromZero, out, o1 + j + LF);
            FloatVector b2 = start(fromZero, out, o1 + j + 2 * LF);
            FloatVector b3 = start(fromZero, out, o1 + j + 3 * LF);
            for (int q = 0; q < n; q++) {
                FloatVector ca = FloatVector.broadcast(F, coef[c0 + q * cq]);
                FloatVector cb = FloatVector.broadcast(F, coef[c1 + q * cq]);
                int r = mOff + q * ms + j;
                FloatVector m0 = FloatVector.fromArray(F, m, r);
                FloatVector m1 = FloatVector.fromArray(F, m, r + LF);
                FloatVector m2 = FloatVector.fromArray(F, m, r + 2 * LF);
                FloatVector m3 = FloatVector.fromArray(F, m, r + 3 * LF);
                a0 = ca.fma(m0, a0);
                a1 = ca.fma(m1, a1);
                a2 = ca.fma(m2, a2);
                a3 = ca.fma(m3, a3);
                b0 = cb.fma(m0, b0);
                b1 = cb.fma(m1, b1);
                b2 = cb.fma(m2, b2);
                b3 = cb.fma(m3, b3);
            }
            a0.intoArray(out, o0 + j);
            a1.intoArray(out, o0 + j + LF);
            a2.intoArray(out, o0 + j + 2 * LF);
            a3.intoArray(out, o0 + j + 3 * LF);
            b0.intoArray(out, o1 + j);
            b1.intoArray(out, o1 + j + LF);
            b2.intoArray(out, o1 + j + 2 * LF);
            b3.intoArray(out, o1 + j + 3 * LF);
        }
        for (; j + LF <= cols; j += LF) {
            FloatVector a0 = start(fromZero, out, o0 + j);
            FloatVector b0 = start(fromZero, out, o1 + j);
            for (int q = 0; q < n; q++) {
                FloatVector m0 = FloatVector.fromArray(F, m, mOff + q * ms + j);
                a0 = FloatVector.broadcast(F, coef[c0 + q * cq]).fma(m0, a0);
                b0 = FloatVector.broadcast(F, coef[c1 + q * cq]).fma(m0, b0);
            }
            a0.intoArray(out, o0 + j);
            b0.intoArray(out, o1 + j);
        }
        for (; j < cols; j++) {
            float a = fromZero ? 0.0f : out[o0 + j];
            float b = fromZero ? 0.0f : out[o1 + j];
            for (int q = 0; q < n; q++) {
                float mv = m[mOff + q * ms + j];
                a = Math.fma(coef[c0 + q * cq], mv, a);
                b = Math.fma(coef[c1 + q * cq], mv, b);
            }
            out[o0 + j] = a;
            out[o1 + j] = b;
        }
    }

    /**
     * Four output rows × four registers of columns: 16 accumulators, and per step of q four loads of
     * m and four broadcasts feed 16 fused multiply-adds (half the loads per FMA of {@link #twoRowsF}).
     * Needs 32 vector registers (AVX-512). Columns past the last block of 4·LF go to the two-row path.
     */
    private static void fourRowsF(boolean fromZero, float[] out, int o0, int os, int cols, float[] coef, int c0, int cs, int cq,
                                  float[] m, int mOff, int ms, int n) {
        int o1 = o0 + os;
        int o2 = o1 + os;
        int o3 = o2 + os;
        int j = 0;
        for (; j + 4 * LF <= cols; j += 4 * LF) {
            FloatVector a0 = start(fromZero, out, o0 + j);
            FloatVector a1 = start(fromZero, out, o0 + j + LF);
            FloatVector a2 = start(fromZero, out, o0 + j + 2 * LF);
            FloatVector a3 = start(fromZero, out, o0 + j + 3 * LF);
            FloatVector b0 = start(fromZero, out, o1 + j);
            FloatVector b1 = start(fromZero, out, o1 + j + LF);
            FloatVector b2 = start(fromZero, out, o1 + j + 2 * LF);
            FloatVector b3 = start(fromZero, out, o1 + j + 3 * LF);
            FloatVector d0 = start(fromZero, out, o2 + j);
            FloatVector d1 = start(fromZero, out, o2 + j + LF);
            FloatVector d2 = start(fromZero, out, o2 + j + 2 * LF);
            FloatVector d3 = start(fromZero, out, o2 + j + 3 * LF);
            FloatVector e0 = start(fromZero, out, o3 + j);
            FloatVector e1 = start(fromZero, out, o3 + j + LF);
            FloatVector e2 = start(fromZero, out, o3 + j + 2 * LF);
            FloatVector e3 = start(fromZero, out, o3 + j + 3 * LF);
            for (int q = 0; q < n; q++) {
                int r = mOff + q * ms + j;
                FloatVector m0 = FloatVector.fromArray(F, m, r);
                FloatVector m1 = FloatVector.fromArray(F, m, r + LF);
                FloatVector m2 = FloatVector.fromArray(F, m, r + 2 * LF);
                FloatVector m3 = FloatVector.fromArray(F, m, r + 3 * LF);
                int cq0 = c0 + q * cq;
                FloatVector ca = FloatVector.broadcast(F, coef[cq0]);
                a0 = ca.fma(m0, a0);
                a1 = ca.fma(m1, a1);
                a2 = ca.fma(m2, a2);
                a3 = ca.fma(m3, a3);
                FloatVector cb = FloatVector.broadcast(F, coef[cq0 + cs]);
                b0 = cb.fma(m0, b0);
                b1 = cb.fma(m1, b1);
                b2 = cb.fma(m2, b2);
                b3 = cb.fma(m3, b3);
                FloatVector cc = FloatVector.broadcast(F, coef[cq0 + 2 * cs]);
                d0 = cc.fma(m0, d0);
                d1 = cc.fma(m1, d1);
                d2 = cc.fma(m2, d2);
                d3 = cc.fma(m3, d3);
                FloatVector cd = FloatVector.broadcast(F, coef[cq0 + 3 * cs]);
                e0 = cd.fma(m0, e0);
                e1 = cd.fma(m1, e1);
                e2 = cd.fma(m2, e2);
                e3 = cd.fma(m3, e3);
            }
            a0.intoArray(out, o0 + j);
            a1.intoArray(out, o0 + j + LF);
            a2.intoArray(out, o0 + j + 2 * LF);
            a3.intoArray(out, o0 + j + 3 * LF);
            b0.intoArray(out, o1 + j);
            b1.intoArray(out, o1 + j + LF);
            b2.intoArray(out, o1 + j + 2 * LF);
            b3.intoArray(out, o1 + j + 3 * LF);
            d0.intoArray(out, o2 + j);
            d1.intoArray(out, o2 + j + LF);
            d2.intoArray(out, o2 + j + 2 * LF);
            d3.intoArray(out, o2 + j + 3 * LF);
            e0.intoArray(out, o3 + j);
            e1.intoArray(out, o3 + j + LF);
            e2.intoArray(out, o3 + j + 2 * LF);
            e3.intoArray(out, o3 + j + 3 * LF);
        }
        if (j < cols) {
            twoRowsF(fromZero, out, o0 + j, o1 + j, cols - j, coef, c0, c0 + cs, cq, m, mOff + j, ms, n);
            twoRowsF(fromZero, out, o2 + j, o3 + j, cols - j, coef, c0 + 2 * cs, c0 + 3 * cs, cq, m, mOff + j, ms, n);
        }
    }

    private static FloatVector start(boolean fromZero, float[] out, int offset) {
        return fromZero ? FloatVector.zero(F) : FloatVector.fromArray(F, out, offset);
    }

    @Override
    public String name() {
        return "vector-" + S.vectorBitSize() + "bit";
    }
}
