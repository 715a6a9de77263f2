package dev.afmflink.model;

import dev.afmflink.optim.OptimizerSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hyper-parameters of one AFM model. Saved in every model header, so a loaded model is complete.
 *
 * @param k             embedding size
 * @param t             attention hidden size
 * @param loss          squared or logistic
 * @param l2Attention   L2 on the attention matrix W (the paper's λ): loss + ½λ‖W‖²
 * @param l2Embedding   L2 on the embeddings of the features of each example
 * @param l2Linear      L2 on the linear weights of the features of each example
 * @param keepProb      dropout keep probability on the pooled pair vector in training (1 = none)
 * @param initStd       standard deviation of the initial embeddings
 * @param seed          seed of all initialisation and of the dropout stream
 * @param linear        optimizer of w0 and the linear weights
 * @param embedding     optimizer of the embeddings
 * @param attention     optimizer of W, b, h and p
 * @param precision     the number type of the parameters and optimizer state ({@link Precision})
 */
public record AfmConfig(int k, int t, Loss loss, double l2Attention, double l2Embedding, double l2Linear,
                        double keepProb, double initStd, long seed,
                        OptimizerSpec linear, OptimizerSpec embedding, OptimizerSpec attention, Precision precision)
        implements java.io.Serializable {

    /** A float64 model (the reference precision). */
    public AfmConfig(int k, int t, Loss loss, double l2Attention, double l2Embedding, double l2Linear,
                     double keepProb, double initStd, long seed,
                     OptimizerSpec linear, OptimizerSpec embedding, OptimizerSpec attention) {
        this(k, t, loss, l2Attention, l2Embedding, l2Linear, keepProb, initStd, seed, linear, embedding, attention,
                Precision.FLOAT64);
    }

    /** The same model in another precision. */
    public AfmConfig withPrecision(Precision p) {
        return new AfmConfig(k, t, loss, l2Attention, l2Embedding, l2Linear, keepProb, initStd, seed, linear, embedding,
                attention, p);
    }

    public AfmConfig {
        if (k < 1 || k > 4096) {
            throw new IllegalArgumentException("k must be in [1, 4096], got " + k);
        }
        if (t < 1 || t > 4096) {
            throw new IllegalArgumentException("t must be in [1, 4096], got " + t);
        }
        if (loss == null) {
            throw new IllegalArgumentException("loss is required");
        }
        nonNegative("l2 attention", l2Attention);
        nonNegative("l2 embedding", l2Embedding);
        nonNegative("l2 linear", l2Linear);
        if (!(keepProb > 0 && keepProb <= 1)) {
            throw new IllegalArgumentException("keep probability must be in (0, 1], got " + keepProb);
        }
        nonNegative("init std", initStd);
        if (linear == null || embedding == null || attention == null) {
            throw new IllegalArgumentException("an optimizer is required for each parameter group");
        }
        if (precision == null) {
            throw new IllegalArgumentException("precision is required");
        }
    }

    private static void nonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + v);
        }
    }

    /**
     * Null if a model trained with {@code other} can continue training under this configuration
     * (same k, t, precision, loss, and the same optimizer state per group), else the reason it cannot.
     * Learning rates and regularisers may differ.
     */
    public String cannotContinue(AfmConfig other) {
        if (k != other.k || t != other.t) {
            return "k, t = " + other.k + ", " + other.t + " but the job's are " + k + ", " + t;
        }
        if (precision != other.precision) {
            return "precision " + other.precision.id() + " but the job's is " + precision.id();
        }
        if (loss != other.loss) {
            return "loss " + other.loss.id() + " but the job's is " + loss.id();
        }
        if (linear.kind() != other.linear.kind() || embedding.kind() != other.embedding.kind()
                || attention.kind() != other.attention.kind()) {
            return "optimizers " + other.linear.kind().id() + "/" + other.embedding.kind().id() + "/"
                    + other.attention.kind().id() + " but the job's are " + linear.kind().id() + "/" + embedding.kind().id()
                    + "/" + attention.kind().id() + " (their state differs)";
        }
        return null;
    }

    /** Number of attention-group parameters: W (t×k), b (t), h (t), p (k). */
    public int attentionSize() {
        return t * k + 2 * t + k;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("k", k);
        m.put("t", t);
        m.put("loss", loss.id());
        m.put("l2_attention", l2Attention);
        m.put("l2_embedding", l2Embedding);
        m.put("l2_linear", l2Linear);
        m.put("keep_prob", keepProb);
        m.put("init_std", initStd);
        m.put("seed", seed);
        m.put("optimizer_linear", linear.toMap());
        m.put("optimizer_embedding", embedding.toMap());
        m.put("optimizer_attention", attention.toMap());
        m.put("precision", precision.id());
        return m;
    }

    /** A header's configuration; files written before float32 existed have no "precision" (float64). */
    @SuppressWarnings("unchecked")
    public static AfmConfig fromMap(Map<String, ?> m) {
        return new AfmConfig(((Number) m.get("k")).intValue(), ((Number) m.get("t")).intValue(),
                Loss.parse((String) m.get("loss")), OptimizerSpec.num(m, "l2_attention"),
                OptimizerSpec.num(m, "l2_embedding"), OptimizerSpec.num(m, "l2_linear"), OptimizerSpec.num(m, "keep_prob"),
                OptimizerSpec.num(m, "init_std"), ((Number) m.get("seed")).longValue(),
                OptimizerSpec.fromMap((Map<String, ?>) m.get("optimizer_linear")),
                OptimizerSpec.fromMap((Map<String, ?>) m.get("optimizer_embedding")),
                OptimizerSpec.fromMap((Map<String, ?>) m.get("optimizer_attention")),
                m.containsKey("precision") ? Precision.parse((String) m.get("precision")) : Precision.FLOAT64);
    }
}
