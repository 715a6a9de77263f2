package dev.afmflink.model;

import java.util.Arrays;

/**
 * Forward and backward pass of one example through the AFM (Xiao et al. 2017):
 *
 * <pre>
 *   ŷ = w0 + Σ_i w_i x_i + pᵀ Σ_{i&lt;j} a_ij e_ij,      e_ij = (v_i x_i) ⊙ (v_j x_j)
 *   a_ij = softmax over the pairs of s_ij,         s_ij = hᵀ ReLU(W e_ij + b)
 * </pre>
 *
 * Hand-written backward code gives dL/d(every parameter), softmax and ReLU included. The kernel
 * owns a workspace that grows to the largest example seen and is reused, so a step allocates
 * nothing. The three t×k products per pair (W·e, Wᵀ·dr, dr⊗e), the whole cost, are done for all
 * pairs at once as small matrix products by {@link MatOps} (SIMD where the JVM allows).
 *
 * <p>Not thread-safe: one kernel per thread / operator instance.
 */
public final class AfmKernel implements PairView {
    private final int k;
    private final int t;
    private final int offB;
    private final int offH;
    private final int offP;
    private final int attnSize;
    private final double l2Attention;
    private final double l2Embedding;
    private final double l2Linear;
    private final double keepProb;
    private final MatOps ops;

    // inputs of the current example (references, not copies)
    private double[][] rows;
    private double[] x;
    private int m;
    private int pairs;
    private double[] attn;

    // forward workspace
    private double[] xv = new double[0];   // m×k
    private double[] e = new double[0];    // P×k
    private double[] z = new double[0];    // P×t pre-activations
    private double[] s = new double[0];    // P scores
    private double[] a = new double[0];    // P attention weights
    private int[] pairI = new int[0];
    private int[] pairJ = new int[0];
    private final double[] wt;             // Wᵀ (k×t), refreshed each forward
    private final double[] pooled;         // Σ a e, before dropout
    private final double[] mask;           // dropout mask (already divided by keep) or 1
    private double pairTerm;

    // backward workspace and results
    private double[] da = new double[0];   // P
    private double[] deAll = new double[0]; // P×k: dL/de per pair
    private double[] dr = new double[0];   // P×t
    private final double[] dpooled;
    private final double[] gBias = new double[1];
    private final double[] gAttn;
    private double[] gRows = new double[0]; // m×(1+k): [gw, gv_0 … gv_{k−1}] per feature

    public AfmKernel(AfmConfig c) {
        this(c, MatOps.best());
    }

    /** A kernel on a chosen {@link MatOps} (tests compare implementations). */
    public AfmKernel(AfmConfig c, MatOps ops) {
        this.ops = ops;
        Layout l = new Layout(c);
        k = l.k;
        t = l.t;
        offB = l.offB;
        offH = l.offH;
        offP = l.offP;
        attnSize = l.attnSize;
        l2Attention = c.l2Attention();
        l2Embedding = c.l2Embedding();
        l2Linear = c.l2Linear();
        keepProb = c.keepProb();
        wt = new double[k * t];
        pooled = new double[k];
        mask = new double[k];
        dpooled = new double[k];
        gAttn = new double[attnSize];
    }

    private void ensureCapacity(int m) {
        int p = m * (m - 1) / 2;
        if (xv.length < m * k) {
            xv = new double[m * k];
            gRows = new double[m * (1 + k)];
        }
        if (a.length < p) {
            e = new double[p * k];
            z = new double[p * t];
            s = new double[p];
            a = new double[p];
            da = new double[p];
            dr = new double[p * t];
            deAll = new double[p * k];
            pairI = new int[p];
            pairJ = new int[p];
        }
    }

    /**
     * The forward pass. {@code rows[i]} is feature i's {@link FeatureParams#data} (w at 0, v at
     * 1..k), {@code x[i]} its value. With a non-null {@code dropout} generator and keep &lt; 1 the
     * pooled pair vector is dropped out (inverted dropout: kept coordinates scaled by 1/keep).
     *
     * @return the raw score ŷ
     */
    public double forward(double[] bias, double[] attn, double[][] rows, double[] x, int m, SplitMix64 dropout) {
        this.rows = rows;
        this.x = x;
        this.m = m;
        this.attn = attn;
        ensureCapacity(Math.max(m, 2));
        double lin = bias[0];
        for (int i = 0; i < m; i++) {
            lin += rows[i][0] * x[i];
        }
        boolean drop = dropout != null && keepProb < 1.0;
        if (drop) {
            double scale = 1.0 / keepProb;
            for (int c = 0; c < k; c++) {
                mask[c] = dropout.nextDouble() < keepProb ? scale : 0.0;
            }
        } else {
            Arrays.fill(mask, 1.0);
        }
        if (m < 2) {
            pairs = 0;
            Arrays.fill(pooled, 0.0);
            pairTerm = 0.0;
            return lin;
        }
        for (int i = 0; i < m; i++) {
            double xi = x[i];
            double[] row = rows[i];
            int o = i * k;
            for (int c = 0; c < k; c++) {
                xv[o + c] = row[1 + c] * xi;
            }
        }
        for (int r = 0; r < t; r++) {
            int ro = r * k;
            for (int c = 0; c < k; c++) {
                wt[c * t + r] = attn[ro + c];
            }
        }
        int p = 0;
        for (int i = 0; i < m; i++) {
            for (int j = i + 1; j < m; j++) {
                int ep = p * k;
                int oi = i * k;
                int oj = j * k;
                for (int c = 0; c < k; c++) {
                    e[ep + c] = xv[oi + c] * xv[oj + c];
                }
                pairI[p] = i;
                pairJ[p] = j;
                p++;
            }
        }
        pairs = p;
        // Z = 1·bᵀ + E·Wᵀ  (P×t)
        for (p = 0; p < pairs; p++) {
            System.arraycopy(attn, offB, z, p * t, t);
        }
        ops.accumulate(z, 0, t, pairs, t, e, 0, k, 1, wt, 0, t, k);
        double maxS = Double.NEGATIVE_INFINITY;
        for (p = 0; p < pairs; p++) {
            double sp = 0.0;
            int zp = p * t;
            for (int r = 0; r < t; r++) {
                double zr = z[zp + r];
                sp += attn[offH + r] * (zr > 0 ? zr : 0.0); // a select, not a branch: ReLU signs are coin flips
            }
            s[p] = sp;
            if (sp > maxS) {
                maxS = sp;
            }
        }
        double sum = 0.0;
        for (p = 0; p < pairs; p++) {
            double ap = Math.exp(s[p] - maxS);
            a[p] = ap;
            sum += ap;
        }
        double inv = 1.0 / sum;
        for (p = 0; p < pairs; p++) {
            a[p] *= inv;
        }
        // pooled = Σ_p a_p e_p  (1×k)
        Arrays.fill(pooled, 0.0);
        ops.accumulate(pooled, 0, k, 1, k, a, 0, 0, 1, e, 0, k, pairs);
        double pt = 0.0;
        for (int c = 0; c < k; c++) {
            pt += attn[offP + c] * pooled[c] * mask[c];
        }
        pairTerm = pt;
        return lin + pt;
    }

    /**
     * The backward pass for dL/dŷ = {@code g}, after {@link #forward}. Fills the gradients of
     * w0 ({@link #gradBias()}), of the attention block ({@link #gradAttention()}, including
     * λ·W) and of each example feature's w and v ({@link #gradRows()}, including the L2 terms).
     */
    public void backward(double g, double[] attn) {
        gBias[0] = g;
        int rs = 1 + k;
        for (int i = 0; i < m; i++) {
            double[] row = rows[i];
            int o = i * rs;
            gRows[o] = g * x[i] + l2Linear * row[0];
            Arrays.fill(gRows, o + 1, o + rs, 0.0);
        }
        Arrays.fill(gAttn, 0.0);
        if (pairs > 0) {
            for (int c = 0; c < k; c++) {
                double pc = pooled[c] * mask[c];
                gAttn[offP + c] = g * pc;
                dpooled[c] = g * attn[offP + c] * mask[c];
            }
            double abar = 0.0;
            for (int p = 0; p < pairs; p++) {
                int ep = p * k;
                double d = 0.0;
                for (int c = 0; c < k; c++) {
                    d += dpooled[c] * e[ep + c];
                }
                da[p] = d;
                abar += a[p] * d;
            }
            for (int p = 0; p < pairs; p++) {
                double ds = a[p] * (da[p] - abar);
                int zp = p * t;
                for (int r = 0; r < t; r++) {
                    double zr = z[zp + r];
                    double on = zr > 0 ? 1.0 : 0.0; // branch-free ReLU derivative
                    double d = ds * attn[offH + r] * on;
                    gAttn[offH + r] += ds * (zr * on);
                    dr[zp + r] = d;
                    gAttn[offB + r] += d;
                }
            }
            // dW += DRᵀ·E  (t×k)
            ops.accumulate(gAttn, 0, k, t, k, dr, 0, 1, t, e, 0, k, pairs);
            // dE = a·dpooledᵀ + DR·W  (P×k)
            for (int p = 0; p < pairs; p++) {
                double ap = a[p];
                int ep = p * k;
                for (int c = 0; c < k; c++) {
                    deAll[ep + c] = ap * dpooled[c];
                }
            }
            ops.accumulate(deAll, 0, k, pairs, k, dr, 0, t, 1, attn, 0, k, t);
            for (int p = 0; p < pairs; p++) {
                int ep = p * k;
                int oi = pairI[p] * k;
                int oj = pairJ[p] * k;
                int gi = pairI[p] * rs + 1;
                int gj = pairJ[p] * rs + 1;
                for (int c = 0; c < k; c++) {
                    double d = deAll[ep + c];
                    gRows[gi + c] += d * xv[oj + c];
                    gRows[gj + c] += d * xv[oi + c];
                }
            }
        }
        for (int i = 0; i < m; i++) {
            double xi = x[i];
            double[] row = rows[i];
            int o = i * rs + 1;
            for (int c = 0; c < k; c++) {
                gRows[o + c] = gRows[o + c] * xi + l2Embedding * row[1 + c];
            }
        }
        if (l2Attention != 0.0) {
            int n = t * k;
            for (int q = 0; q < n; q++) {
                gAttn[q] += l2Attention * attn[q];
            }
        }
    }

    /** ½λ‖W‖² for the current attention block. */
    public double attentionPenalty(double[] attn) {
        if (l2Attention == 0.0) {
            return 0.0;
        }
        double sq = 0.0;
        for (int q = 0, n = t * k; q < n; q++) {
            sq += attn[q] * attn[q];
        }
        return 0.5 * l2Attention * sq;
    }

    @Override
    public double pairTerm() {
        return pairTerm;
    }

    @Override
    public int pairs() {
        return pairs;
    }

    @Override
    public int pairI(int p) {
        return pairI[p];
    }

    @Override
    public int pairJ(int p) {
        return pairJ[p];
    }

    @Override
    public double attention(int p) {
        return a[p];
    }

    @Override
    public double contribution(int p) {
        int ep = p * k;
        double d = 0.0;
        for (int c = 0; c < k; c++) {
            d += attn[offP + c] * e[ep + c];
        }
        return a[p] * d;
    }

    public double[] gradBias() {
        return gBias;
    }

    public double[] gradAttention() {
        return gAttn;
    }

    /** m×(1+k): per example feature, [dL/dw, dL/dv_0 … dL/dv_{k−1}]. */
    public double[] gradRows() {
        return gRows;
    }

    /** True when every gradient of the last backward pass is finite (x·0 is 0 for finite x, NaN otherwise). */
    public boolean gradientsFinite() {
        return Double.isFinite(gBias[0]) && finite(gAttn, attnSize) && finite(gRows, m * (1 + k));
    }

    private static boolean finite(double[] a, int n) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int q = 0;
        for (; q + 3 < n; q += 4) {
            s0 += a[q] * 0.0;
            s1 += a[q + 1] * 0.0;
            s2 += a[q + 2] * 0.0;
            s3 += a[q + 3] * 0.0;
        }
        for (; q < n; q++) {
            s0 += a[q] * 0.0;
        }
        return Double.isFinite(s0 + s1 + s2 + s3);
    }
}
