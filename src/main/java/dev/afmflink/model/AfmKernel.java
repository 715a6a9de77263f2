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
 * nothing. The three t×k products per pair (W·e, Wᵀ·dr, dr⊗e) are written as blocked
 * axpy loops over contiguous rows, a form HotSpot turns into SIMD code.
 *
 * <p>Not thread-safe: one kernel per thread / operator instance.
 */
public final class AfmKernel {
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

    // inputs of the current example (references, not copies)
    private double[][] rows;
    private double[] x;
    private int m;
    private int pairs;

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
    private double linear;
    private double pairTerm;
    private double yhat;

    // backward workspace and results
    private double[] da = new double[0];   // P
    private double[] dr = new double[0];   // P×t
    private final double[] dpooled;
    private final double[] de;
    private final double[] gBias = new double[1];
    private final double[] gAttn;
    private double[] gRows = new double[0]; // m×(1+k): [gw, gv_0 … gv_{k−1}] per feature

    public AfmKernel(AfmConfig c) {
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
        de = new double[k];
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
        ensureCapacity(Math.max(m, 2));
        double lin = bias[0];
        for (int i = 0; i < m; i++) {
            lin += rows[i][0] * x[i];
        }
        linear = lin;
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
            yhat = lin;
            return yhat;
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
        double maxS = Double.NEGATIVE_INFINITY;
        for (p = 0; p < pairs; p++) {
            hidden(attn, p);
            double sp = 0.0;
            int zp = p * t;
            for (int r = 0; r < t; r++) {
                double zr = z[zp + r];
                if (zr > 0) {
                    sp += attn[offH + r] * zr;
                }
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
        Arrays.fill(pooled, 0.0);
        for (p = 0; p < pairs; p++) {
            double ap = a[p] * inv;
            a[p] = ap;
            int ep = p * k;
            for (int c = 0; c < k; c++) {
                pooled[c] += ap * e[ep + c];
            }
        }
        double pt = 0.0;
        for (int c = 0; c < k; c++) {
            pt += attn[offP + c] * pooled[c] * mask[c];
        }
        pairTerm = pt;
        yhat = lin + pt;
        return yhat;
    }

    /** z_p = W e_p + b, as k axpy's over rows of Wᵀ, four at a time. */
    private void hidden(double[] attn, int p) {
        int zp = p * t;
        int ep = p * k;
        System.arraycopy(attn, offB, z, zp, t);
        int c = 0;
        for (; c + 3 < k; c += 4) {
            double e0 = e[ep + c];
            double e1 = e[ep + c + 1];
            double e2 = e[ep + c + 2];
            double e3 = e[ep + c + 3];
            int o0 = c * t;
            int o1 = o0 + t;
            int o2 = o1 + t;
            int o3 = o2 + t;
            for (int r = 0; r < t; r++) {
                z[zp + r] += e0 * wt[o0 + r] + e1 * wt[o1 + r] + e2 * wt[o2 + r] + e3 * wt[o3 + r];
            }
        }
        for (; c < k; c++) {
            double e0 = e[ep + c];
            int o0 = c * t;
            for (int r = 0; r < t; r++) {
                z[zp + r] += e0 * wt[o0 + r];
            }
        }
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
                    if (zr > 0) {
                        gAttn[offH + r] += ds * zr;
                        double d = ds * attn[offH + r];
                        dr[zp + r] = d;
                        gAttn[offB + r] += d;
                    } else {
                        dr[zp + r] = 0.0;
                    }
                }
            }
            gradW();
            for (int p = 0; p < pairs; p++) {
                pairInputGradient(attn, p);
                int oi = pairI[p] * k;
                int oj = pairJ[p] * k;
                int gi = pairI[p] * rs + 1;
                int gj = pairJ[p] * rs + 1;
                for (int c = 0; c < k; c++) {
                    gRows[gi + c] += de[c] * xv[oj + c];
                    gRows[gj + c] += de[c] * xv[oi + c];
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

    /** dW[r, :] += Σ_p dr[p, r] e[p, :], four pairs at a time. */
    private void gradW() {
        for (int r = 0; r < t; r++) {
            int wo = r * k;
            int p = 0;
            for (; p + 3 < pairs; p += 4) {
                double d0 = dr[p * t + r];
                double d1 = dr[(p + 1) * t + r];
                double d2 = dr[(p + 2) * t + r];
                double d3 = dr[(p + 3) * t + r];
                int e0 = p * k;
                int e1 = e0 + k;
                int e2 = e1 + k;
                int e3 = e2 + k;
                for (int c = 0; c < k; c++) {
                    gAttn[wo + c] += d0 * e[e0 + c] + d1 * e[e1 + c] + d2 * e[e2 + c] + d3 * e[e3 + c];
                }
            }
            for (; p < pairs; p++) {
                double d0 = dr[p * t + r];
                int e0 = p * k;
                for (int c = 0; c < k; c++) {
                    gAttn[wo + c] += d0 * e[e0 + c];
                }
            }
        }
    }

    /** de = a_p·dpooled + Wᵀ dr_p, as t axpy's over rows of W, four at a time. */
    private void pairInputGradient(double[] attn, int p) {
        double ap = a[p];
        for (int c = 0; c < k; c++) {
            de[c] = ap * dpooled[c];
        }
        int zp = p * t;
        int r = 0;
        for (; r + 3 < t; r += 4) {
            double d0 = dr[zp + r];
            double d1 = dr[zp + r + 1];
            double d2 = dr[zp + r + 2];
            double d3 = dr[zp + r + 3];
            int o0 = r * k;
            int o1 = o0 + k;
            int o2 = o1 + k;
            int o3 = o2 + k;
            for (int c = 0; c < k; c++) {
                de[c] += d0 * attn[o0 + c] + d1 * attn[o1 + c] + d2 * attn[o2 + c] + d3 * attn[o3 + c];
            }
        }
        for (; r < t; r++) {
            double d0 = dr[zp + r];
            int o0 = r * k;
            for (int c = 0; c < k; c++) {
                de[c] += d0 * attn[o0 + c];
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

    public double yhat() {
        return yhat;
    }

    public double linearTerm() {
        return linear;
    }

    public double pairTerm() {
        return pairTerm;
    }

    public int pairs() {
        return pairs;
    }

    /** Index (in the example) of the first feature of pair {@code p}. */
    public int pairI(int p) {
        return pairI[p];
    }

    public int pairJ(int p) {
        return pairJ[p];
    }

    public double attention(int p) {
        return a[p];
    }

    /** a_p · pᵀ e_p: the pair's share of ŷ (no dropout). */
    public double contribution(double[] attn, int p) {
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

    /** True when every gradient of the last backward pass is finite. */
    public boolean gradientsFinite() {
        double sum = gBias[0];
        for (int q = 0; q < attnSize; q++) {
            sum += gAttn[q] * 0.0;
        }
        for (int q = 0, n = m * (1 + k); q < n; q++) {
            sum += gRows[q] * 0.0;
        }
        return Double.isFinite(sum);
    }
}
