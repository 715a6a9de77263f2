package dev.afmflink.model;

import java.util.Arrays;

/**
 * {@link AfmKernel}'s forward and backward pass for a {@link Precision#FLOAT32} model: the same
 * formulas, with parameters, workspaces and the three t×k products per pair in float (twice the
 * SIMD lanes of double, half the bytes moved).
 *
 * <p>Where it stays in double, and why:
 * <ul>
 *   <li>w0 and the linear sum {@code w0 + Σ w_i x_i}, and the final {@code ŷ}: the loss and its
 *       gradient see the score to double precision, so a float model's logloss is not rounded to
 *       float's 7 digits;</li>
 *   <li>the softmax: {@code exp}, its normaliser {@code Σ exp(s_p − max)} and {@code 1/Σ} (one value per
 *       pair; a float sum over many pairs would lose the small ones);</li>
 *   <li>the pair term {@code pᵀ(pooled ⊙ mask)} and the attention-weighted mean
 *       {@code ā = Σ a_p da_p} of the softmax's backward pass (one sum each per example).</li>
 * </ul>
 * Everything per element (products, ReLU, scores, gradients) is float: its rounding (2⁻²⁴ relative)
 * is far below the noise of one SGD step. The float path is checked against the float64 kernel
 * (relative error bound in {@code Float32KernelTest}).
 *
 * <p>Not thread-safe: one kernel per thread / operator instance.
 */
public final class AfmKernel32 implements PairView {
    private final int k;
    private final int t;
    private final int offB;
    private final int offH;
    private final int offP;
    private final int attnSize;
    private final float l2Attention;
    private final float l2Embedding;
    private final float l2Linear;
    private final double keepProb;
    private final MatOps ops;
    private final Loops32 loops;

    private float[][] rows;
    private double[] x;
    private int m;
    private int pairs;
    private float[] attn;

    private float[] xv = new float[0];   // m×k
    private float[] e = new float[0];    // P×k
    private float[] z = new float[0];    // P×t pre-activations
    private float[] s = new float[0];    // P scores
    private float[] a = new float[0];    // P attention weights
    private int[] pairI = new int[0];
    private int[] pairJ = new int[0];
    private final float[] wt;             // Wᵀ (k×t), refreshed each forward
    private final float[] pooled;
    private final float[] mask;
    private double pairTerm;

    private float[] da = new float[0];
    private float[] deAll = new float[0];
    private float[] dr = new float[0];
    private final float[] dpooled;
    private final double[] gBias = new double[1];
    private final float[] gAttn;
    private float[] gRows = new float[0];

    public AfmKernel32(AfmConfig c) {
        this(c, MatOps.best(), Loops32.best());
    }

    /** A kernel on chosen implementations (tests compare SIMD and scalar: the same bits). */
    AfmKernel32(AfmConfig c, MatOps ops, Loops32 loops) {
        this.ops = ops;
        this.loops = loops;
        Layout l = new Layout(c);
        k = l.k;
        t = l.t;
        offB = l.offB;
        offH = l.offH;
        offP = l.offP;
        attnSize = l.attnSize;
        l2Attention = (float) c.l2Attention();
        l2Embedding = (float) c.l2Embedding();
        l2Linear = (float) c.l2Linear();
        keepProb = c.keepProb();
        wt = new float[k * t];
        pooled = new float[k];
        mask = new float[k];
        dpooled = new float[k];
        gAttn = new float[attnSize];
    }

    private void ensureCapacity(int m) {
        int p = m * (m - 1) / 2;
        if (xv.length < m * k) {
            xv = new float[m * k];
            gRows = new float[m * (1 + k)];
        }
        if (a.length < p) {
            e = new float[p * k];
            z = new float[p * t];
            s = new float[p];
            a = new float[p];
            da = new float[p];
            dr = new float[p * t];
            deAll = new float[p * k];
            pairI = new int[p];
            pairJ = new int[p];
        }
    }

    /** The forward pass, as {@link AfmKernel#forward}; {@code rows[i]} is feature i's {@link FeatureParams#data32}. */
    public double forward(double[] bias, float[] attn, float[][] rows, double[] x, int m, SplitMix64 dropout) {
        this.rows = rows;
        this.x = x;
        this.m = m;
        this.attn = attn;
        ensureCapacity(Math.max(m, 2));
        double lin = bias[0];
        for (int i = 0; i < m; i++) {
            lin += rows[i][0] * x[i];
        }
        if (dropout != null && keepProb < 1.0) {
            float scale = (float) (1.0 / keepProb);
            for (int c = 0; c < k; c++) {
                mask[c] = dropout.nextDouble() < keepProb ? scale : 0.0f;
            }
        } else {
            Arrays.fill(mask, 1.0f);
        }
        if (m < 2) {
            pairs = 0;
            Arrays.fill(pooled, 0.0f);
            pairTerm = 0.0;
            return lin;
        }
        for (int i = 0; i < m; i++) {
            loops.scale(xv, i * k, rows[i], 1, (float) x[i], k);
        }
        loops.transpose(attn, t, k, wt); // Wᵀ (k×t) from W (t×k)
        int p = 0;
        for (int i = 0; i < m; i++) {
            for (int j = i + 1; j < m; j++) {
                loops.mul(e, p * k, xv, i * k, xv, j * k, k);
                pairI[p] = i;
                pairJ[p] = j;
                p++;
            }
        }
        pairs = p;
        for (p = 0; p < pairs; p++) {
            System.arraycopy(attn, offB, z, p * t, t);
        }
        ops.accumulate(z, 0, t, pairs, t, e, 0, k, 1, wt, 0, t, k);
        float maxS = Float.NEGATIVE_INFINITY;
        for (p = 0; p < pairs; p++) {
            float sp = loops.hReluDot(z, p * t, attn, offH, t);
            s[p] = sp;
            if (sp > maxS) {
                maxS = sp;
            }
        }
        double sum = 0.0;
        for (p = 0; p < pairs; p++) {
            double ap = Math.exp((double) s[p] - maxS);
            a[p] = (float) ap;
            sum += ap;
        }
        float inv = (float) (1.0 / sum);
        for (p = 0; p < pairs; p++) {
            a[p] *= inv;
        }
        Arrays.fill(pooled, 0.0f);
        ops.accumulate(pooled, 0, k, 1, k, a, 0, 0, 1, e, 0, k, pairs);
        double pt = 0.0;
        for (int c = 0; c < k; c++) {
            pt += attn[offP + c] * pooled[c] * mask[c];
        }
        pairTerm = pt;
        return lin + pt;
    }

    /** The backward pass for dL/dŷ = {@code g}, after {@link #forward}; as {@link AfmKernel#backward}. */
    public void backward(double g, float[] attn) {
        gBias[0] = g;
        float g32 = (float) g;
        int rs = 1 + k;
        for (int i = 0; i < m; i++) {
            float[] row = rows[i];
            int o = i * rs;
            gRows[o] = g32 * (float) x[i] + l2Linear * row[0];
            Arrays.fill(gRows, o + 1, o + rs, 0.0f);
        }
        if (pairs == 0) {
            Arrays.fill(gAttn, 0.0f);
        } else {
            Arrays.fill(gAttn, offB, offP, 0.0f); // b and h sum over the pairs below; W is written by its product, p set
        }
        if (pairs > 0) {
            for (int c = 0; c < k; c++) {
                gAttn[offP + c] = g32 * (pooled[c] * mask[c]);
                dpooled[c] = g32 * attn[offP + c] * mask[c];
            }
            double abar = 0.0;
            for (int p = 0; p < pairs; p++) {
                float d = loops.dot(dpooled, 0, e, p * k, k);
                da[p] = d;
                abar += (double) a[p] * d;
            }
            float abar32 = (float) abar;
            for (int p = 0; p < pairs; p++) {
                float ds = a[p] * (da[p] - abar32);
                loops.reluBackward(z, p * t, attn, offH, ds, dr, gAttn, offH, gAttn, offB, t);
            }
            // dW = DRᵀ·E (t×k), written
            ops.product(gAttn, 0, k, t, k, dr, 0, 1, t, e, 0, k, pairs);
            // dE = DR·W (P×k), written; the scatter adds each pair's a_p·dpooled as it reads it (no pass of its own)
            ops.product(deAll, 0, k, pairs, k, dr, 0, t, 1, attn, 0, k, t);
            for (int p = 0; p < pairs; p++) {
                loops.scatter(gRows, pairI[p] * rs + 1, pairJ[p] * rs + 1, deAll, p * k, a[p], dpooled, xv, pairI[p] * k,
                        pairJ[p] * k, k);
            }
        }
        for (int i = 0; i < m; i++) {
            float xi = (float) x[i];
            // a categorical feature (x = 1) without L2 — the click-stream's every feature by default: g·1 + 0·row is g
            // (up to the sign of a zero), so nothing to do; in the job this call was the one whose vectors the JIT left
            // boxed (docs/benchmarks.md, "the kernel's boxed vectors")
            if (xi != 1.0f || l2Embedding != 0.0f) {
                loops.scaleAddL2(gRows, i * rs + 1, xi, l2Embedding, rows[i], 1, k);
            }
        }
        if (l2Attention != 0.0f) {
            int n = t * k;
            for (int q = 0; q < n; q++) {
                gAttn[q] += l2Attention * attn[q];
            }
        }
    }

    /** ½λ‖W‖², summed in double. */
    public double attentionPenalty(float[] attn) {
        if (l2Attention == 0.0f) {
            return 0.0;
        }
        double sq = 0.0;
        for (int q = 0, n = t * k; q < n; q++) {
            sq += (double) attn[q] * attn[q];
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
            d += (double) attn[offP + c] * e[ep + c];
        }
        return a[p] * d;
    }

    public double[] gradBias() {
        return gBias;
    }

    public float[] gradAttention() {
        return gAttn;
    }

    /** m×(1+k): per example feature, [dL/dw, dL/dv_0 … dL/dv_{k−1}]. */
    public float[] gradRows() {
        return gRows;
    }

    /** True when every gradient of the last backward pass is finite. */
    public boolean gradientsFinite() {
        return Double.isFinite(gBias[0]) && loops.allFinite(gAttn, attnSize) && loops.allFinite(gRows, m * (1 + k));
    }
}
