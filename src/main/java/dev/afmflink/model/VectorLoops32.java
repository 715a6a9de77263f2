package dev.afmflink.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** {@link Loops32} on the Vector API; each tail runs the scalar loop. Same bits as {@link ScalarLoops32}. */
final class VectorLoops32 implements Loops32 {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    @Override
    public void scale(float[] out, int o, float[] a, int ao, float s, int n) {
        int c = 0;
        for (; c + L <= n; c += L) {
            FloatVector.fromArray(F, a, ao + c).mul(s).intoArray(out, o + c);
        }
        ScalarLoops32.INSTANCE.scale(out, o + c, a, ao + c, s, n - c);
    }

    @Override
    public void mul(float[] out, int o, float[] a, int ao, float[] b, int bo, int n) {
        int c = 0;
        for (; c + L <= n; c += L) {
            FloatVector.fromArray(F, a, ao + c).mul(FloatVector.fromArray(F, b, bo + c)).intoArray(out, o + c);
        }
        ScalarLoops32.INSTANCE.mul(out, o + c, a, ao + c, b, bo + c, n - c);
    }

    @Override
    public void reluBackward(float[] z, int zo, float[] h, int ho, float ds, float[] dr, float[] gh, int gho, float[] gb,
                             int gbo, int t) {
        int r = 0;
        FloatVector zero = FloatVector.zero(F);
        for (; r + L <= t; r += L) {
            FloatVector zr = FloatVector.fromArray(F, z, zo + r);
            VectorMask<Float> positive = zr.compare(VectorOperators.GT, 0.0f); // false for NaN, as z > 0 in Java
            FloatVector on = zero.blend(1.0f, positive);
            // (ds · h) · on and ds · (z · on): the scalar loop's order and rounding, element by element
            FloatVector d = FloatVector.fromArray(F, h, ho + r).mul(ds).mul(on);
            FloatVector.fromArray(F, gh, gho + r).add(zr.mul(on).mul(ds)).intoArray(gh, gho + r);
            d.intoArray(dr, zo + r);
            FloatVector.fromArray(F, gb, gbo + r).add(d).intoArray(gb, gbo + r);
        }
        ScalarLoops32.reluBackwardRange(z, zo, h, ho, ds, dr, gh, gho, gb, gbo, r, t);
    }

    @Override
    public void scatter(float[] g, int gi, int gj, float[] d, int dOff, float a, float[] dp, float[] xv, int xi, int xj, int n) {
        int c = 0;
        for (; c + L <= n; c += L) {
            FloatVector dc = FloatVector.fromArray(F, d, dOff + c).add(FloatVector.fromArray(F, dp, c).mul(a));
            FloatVector.fromArray(F, g, gi + c).add(dc.mul(FloatVector.fromArray(F, xv, xj + c))).intoArray(g, gi + c);
            FloatVector.fromArray(F, g, gj + c).add(dc.mul(FloatVector.fromArray(F, xv, xi + c))).intoArray(g, gj + c);
        }
        ScalarLoops32.scatterRange(g, gi, gj, d, dOff, a, dp, xv, xi, xj, c, n);
    }

    @Override
    public void scaleAddL2(float[] g, int o, float x, float l2, float[] row, int ro, int n) {
        int c = 0;
        for (; c + L <= n; c += L) {
            FloatVector.fromArray(F, g, o + c).mul(x).add(FloatVector.fromArray(F, row, ro + c).mul(l2)).intoArray(g, o + c);
        }
        ScalarLoops32.INSTANCE.scaleAddL2(g, o + c, x, l2, row, ro + c, n - c);
    }

    @Override
    public boolean allFinite(float[] a, int n) {
        FloatVector acc = FloatVector.zero(F);
        int q = 0;
        for (; q + L <= n; q += L) {
            acc = acc.add(FloatVector.fromArray(F, a, q).mul(0.0f)); // x·0 is 0 for finite x, NaN otherwise
        }
        return Float.isFinite(acc.reduceLanes(VectorOperators.ADD)) && ScalarLoops32.INSTANCE.allFinite(a, q, n);
    }

    @Override
    public void transpose(float[] a, int rows, int cols, float[] out) {
        if (rows % L != 0 || rows * cols > a.length) {
            ScalarLoops32.INSTANCE.transpose(a, rows, cols, out);
            return;
        }
        int[] map = gatherMap(cols);
        for (int c = 0; c < cols; c++) {
            int co = c * rows;
            for (int r = 0; r < rows; r += L) {
                // a column block of L rows: one gather (a[(r + i)·cols + c], i < L), one store in order
                FloatVector.fromArray(F, a, r * cols + c, map, 0).intoArray(out, co + r);
            }
        }
    }

    /** An immutable gather map (shared by threads: published whole through one reference). */
    private record GatherMap(int stride, int[] offsets) {
    }

    private GatherMap last = new GatherMap(-1, new int[0]);

    /** {0, s, 2s, …, (L−1)s}, kept for the last stride. */
    private int[] gatherMap(int stride) {
        GatherMap g = last;
        if (g.stride() != stride) {
            int[] m = new int[L];
            for (int i = 0; i < L; i++) {
                m[i] = i * stride;
            }
            g = new GatherMap(stride, m);
            last = g;
        }
        return g.offsets();
    }

    /** Sixteen running sums fit the preferred species in one register (AVX-512) or two (AVX2); else the scalar twin. */
    private static final int SUM_REGISTERS = L == 16 ? 1 : L == 8 ? 2 : 0;

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        if (SUM_REGISTERS == 1) {
            FloatVector acc = FloatVector.zero(F);
            int r = 0;
            for (; r + 16 <= n; r += 16) {
                acc = acc.add(FloatVector.fromArray(F, a, ao + r).mul(FloatVector.fromArray(F, b, bo + r)));
            }
            float x = tree16(acc);
            for (; r < n; r++) {
                x += a[ao + r] * b[bo + r];
            }
            return x;
        }
        if (SUM_REGISTERS == 2) {
            FloatVector lo = FloatVector.zero(F);
            FloatVector hi = FloatVector.zero(F);
            int r = 0;
            for (; r + 16 <= n; r += 16) {
                lo = lo.add(FloatVector.fromArray(F, a, ao + r).mul(FloatVector.fromArray(F, b, bo + r)));
                hi = hi.add(FloatVector.fromArray(F, a, ao + r + 8).mul(FloatVector.fromArray(F, b, bo + r + 8)));
            }
            float x = tree8(lo.add(hi));
            for (; r < n; r++) {
                x += a[ao + r] * b[bo + r];
            }
            return x;
        }
        return ScalarLoops32.INSTANCE.dot(a, ao, b, bo, n);
    }

    @Override
    public float hReluDot(float[] z, int zo, float[] h, int ho, int n) {
        FloatVector zero = FloatVector.zero(F);
        if (SUM_REGISTERS == 1) {
            FloatVector acc = zero;
            int r = 0;
            for (; r + 16 <= n; r += 16) {
                FloatVector zr = FloatVector.fromArray(F, z, zo + r);
                acc = acc.add(FloatVector.fromArray(F, h, ho + r).mul(zero.blend(zr, zr.compare(VectorOperators.GT, 0.0f))));
            }
            float x = tree16(acc);
            for (; r < n; r++) {
                x += h[ho + r] * ScalarLoops32.relu(z[zo + r]);
            }
            return x;
        }
        if (SUM_REGISTERS == 2) {
            FloatVector lo = zero;
            FloatVector hi = zero;
            int r = 0;
            for (; r + 16 <= n; r += 16) {
                FloatVector z0 = FloatVector.fromArray(F, z, zo + r);
                FloatVector z1 = FloatVector.fromArray(F, z, zo + r + 8);
                lo = lo.add(FloatVector.fromArray(F, h, ho + r).mul(zero.blend(z0, z0.compare(VectorOperators.GT, 0.0f))));
                hi = hi.add(FloatVector.fromArray(F, h, ho + r + 8).mul(zero.blend(z1, z1.compare(VectorOperators.GT, 0.0f))));
            }
            float x = tree8(lo.add(hi));
            for (; r < n; r++) {
                x += h[ho + r] * ScalarLoops32.relu(z[zo + r]);
            }
            return x;
        }
        return ScalarLoops32.INSTANCE.hReluDot(z, zo, h, ho, n);
    }

    /** The fixed tree over sixteen lanes: (s_i + s_{i+8}) first, then {@link #tree8}'s order. */
    private static float tree16(FloatVector s) {
        return ScalarLoops32.tree(s.lane(0), s.lane(1), s.lane(2), s.lane(3), s.lane(4), s.lane(5), s.lane(6), s.lane(7),
                s.lane(8), s.lane(9), s.lane(10), s.lane(11), s.lane(12), s.lane(13), s.lane(14), s.lane(15));
    }

    /** Lanes t_0..t_7 = s_i + s_{i+8} already added: the rest of the same tree. */
    private static float tree8(FloatVector t) {
        float u0 = t.lane(0) + t.lane(4);
        float u1 = t.lane(1) + t.lane(5);
        float u2 = t.lane(2) + t.lane(6);
        float u3 = t.lane(3) + t.lane(7);
        return (u0 + u2) + (u1 + u3);
    }
}
