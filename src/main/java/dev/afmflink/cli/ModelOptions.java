package dev.afmflink.cli;

import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.Loss;
import dev.afmflink.model.Precision;
import dev.afmflink.optim.OptimizerSpec;
import java.util.List;

/**
 * The model hyper-parameter options shared by every command that builds a model, and the
 * recommended defaults per loss (chosen on the Frappe protocol for squared loss and on the Criteo
 * sample for logistic loss: see README "Recommended defaults").
 */
final class ModelOptions {
    private ModelOptions() {
    }

    /** Defaults of one loss; the linear group may use its own optimizer (FTRL for click data). */
    record Defaults(int k, int t, String optimizer, double lr, String linearOptimizer, double linearLr,
                    double ftrlL1, double ftrlBeta, double initStd, double l2Attention, double l2Embedding, double l2Linear,
                    double keepProb, int passes, double decayAttention, double embeddingLr, double embeddingInitAcc) {
    }

    /** Adagrad's initial accumulator where a loss's defaults set none (the authors' code). */
    static final double INIT_ACC = 1e-8;

    /**
     * Frappe protocol (README): test RMSE 0.4755 vs 0.542 for k=t=64 with the authors' plain settings; the
     * embeddings at Adagrad 0.2 from an initial accumulator of 1e-3 (step sizes: docs/benchmarks.md).
     */
    static final Defaults SQUARED = new Defaults(64, 64, "adagrad", 0.05, "adagrad", 0.05, 0.0, 1.0, 0.1, 1e-3, 0.0, 0.0,
            1.0, 3, 1.0, 0.2, 1e-3);
    /**
     * Criteo and Avazu samples and the simulated click-stream with delayed labels (README,
     * docs/feedback.md): one pass, FTRL-Proximal with L1 on the linear weights (α = 0.085, β = 0.5: a
     * young weight's first steps at α/β, later ones a little smaller than at α = 0.1, β = 1), forgetting in the
     * attention group (ρ = 0.998: after a drift the attention follows the new pairs), the embeddings at
     * Adagrad 0.2 from an initial accumulator of 0.1: gradient-sized steps while a feature is young, no
     * full-size first steps (step sizes: docs/benchmarks.md).
     */
    static final Defaults LOGISTIC = new Defaults(16, 16, "adagrad", 0.05, "ftrl", 0.085, 0.5, 0.5, 0.1, 0.0, 0.0, 0.0,
            1.0, 1, 0.998, 0.2, 0.1);

    static Defaults defaults(Loss loss) {
        return loss == Loss.SQUARED ? SQUARED : LOGISTIC;
    }

    /** The model options with the logistic loss as default (the click-stream benches). */
    static List<Args.Option> logisticByDefault() {
        return OPTIONS.stream().map(m -> m.name().equals("loss") ? new Args.Option("loss", m.value(), "logistic", m.help()) : m)
                .toList();
    }

    static final List<Args.Option> OPTIONS = List.of(
            new Args.Option("loss", "squared|logistic", "squared", "loss; logistic reads a label -1 as 0"),
            new Args.Option("k", "N", null, "embedding size (default: squared " + SQUARED.k() + ", logistic " + LOGISTIC.k() + ")"),
            new Args.Option("t", "N", null, "attention hidden size (default: squared " + SQUARED.t() + ", logistic " + LOGISTIC.t() + ")"),
            new Args.Option("optimizer", "sgd|adagrad|ftrl", null, "optimizer of every parameter group (default: adagrad; logistic: ftrl for the linear group)"),
            new Args.Option("optimizer-linear", "NAME", null, "optimizer of w0 and the linear weights (overrides --optimizer)"),
            new Args.Option("optimizer-embedding", "NAME", null, "optimizer of the embeddings"),
            new Args.Option("optimizer-attention", "NAME", null, "optimizer of W, b, h, p"),
            new Args.Option("lr", "X", null, "learning rate (FTRL: alpha) of every group (default: " + SQUARED.lr() + ", but the "
                    + "embeddings " + SQUARED.embeddingLr() + " and logistic linear " + LOGISTIC.linearLr() + ")"),
            new Args.Option("lr-linear", "X", null, "learning rate of the linear group (overrides --lr)"),
            new Args.Option("lr-embedding", "X", null, "learning rate of the embeddings (default: " + SQUARED.embeddingLr() + ")"),
            new Args.Option("lr-attention", "X", null, "learning rate of the attention group"),
            new Args.Option("init-acc", "X", null, "Adagrad's initial accumulator in every group (default: 1e-8 as in the "
                    + "authors' code, but the embeddings: squared " + SQUARED.embeddingInitAcc() + ", logistic "
                    + LOGISTIC.embeddingInitAcc() + "; the first steps of a young feature are lr * g / sqrt(acc0): "
                    + "gradient-sized while acc0 dominates, sign-sized with a tiny acc0)"),
            new Args.Option("init-acc-linear", "X", null, "Adagrad's initial accumulator in the linear group (overrides --init-acc)"),
            new Args.Option("init-acc-embedding", "X", null, "Adagrad's initial accumulator of the embeddings (default: squared "
                    + SQUARED.embeddingInitAcc() + ", logistic " + LOGISTIC.embeddingInitAcc() + ")"),
            new Args.Option("init-acc-attention", "X", null, "Adagrad's initial accumulator in the attention group"),
            new Args.Option("decay", "RHO", null, "forgetting in every group: Adagrad's accumulator and FTRL's z and n decay by rho before each step, n <- rho*n + g^2 (1: none; default: 1, but logistic attention " + LOGISTIC.decayAttention() + ")"),
            new Args.Option("decay-linear", "RHO", null, "accumulator decay of the linear group (overrides --decay)"),
            new Args.Option("decay-embedding", "RHO", null, "accumulator decay of the embeddings"),
            new Args.Option("decay-attention", "RHO", null, "accumulator decay of the attention group (default: squared " + SQUARED.decayAttention() + ", logistic " + LOGISTIC.decayAttention() + ")"),
            new Args.Option("ftrl-beta", "X", null, "FTRL beta: a weight steps at rate alpha / (beta + sqrt(sum of its g^2)) (default: squared " + SQUARED.ftrlBeta() + ", logistic " + LOGISTIC.ftrlBeta() + ")"),
            new Args.Option("ftrl-l1", "X", null, "FTRL L1, exact zeros (default: squared " + SQUARED.ftrlL1() + ", logistic " + LOGISTIC.ftrlL1() + ")"),
            new Args.Option("ftrl-l2", "X", "0.0", "FTRL L2"),
            new Args.Option("l2-attention", "X", null, "L2 on the attention matrix W, the paper's lambda (default: squared " + SQUARED.l2Attention() + ", logistic " + LOGISTIC.l2Attention() + ")"),
            new Args.Option("l2-embedding", "X", null, "L2 on the embeddings of each example's features"),
            new Args.Option("l2-linear", "X", null, "L2 on the linear weights of each example's features"),
            new Args.Option("keep-prob", "X", null, "dropout keep probability on the pooled pair vector (1 = no dropout)"),
            new Args.Option("init-std", "X", null, "standard deviation of the initial embeddings (default: squared " + SQUARED.initStd() + ", logistic " + LOGISTIC.initStd() + ")"),
            new Args.Option("seed", "N", "1", "seed of initialisation, dropout and shuffling"),
            new Args.Option("precision", "float32|float64", Precision.DEFAULT.id(), "number type of the parameters and optimizer "
                    + "state, recorded in the model (float32: half the bytes, about twice the speed; float64: the reference)"));

    static Loss loss(Args a) {
        return Loss.parse(a.get("loss"));
    }

    static AfmConfig config(Args a) {
        Loss loss = loss(a);
        Defaults d = defaults(loss);
        return new AfmConfig(a.getInt("k", d.k()), a.getInt("t", d.t()), loss,
                a.getDouble("l2-attention", d.l2Attention()), a.getDouble("l2-embedding", d.l2Embedding()),
                a.getDouble("l2-linear", d.l2Linear()), a.getDouble("keep-prob", d.keepProb()),
                a.getDouble("init-std", d.initStd()), a.getLong("seed", 1),
                spec(a, "linear", d.linearOptimizer(), d.linearLr(), d),
                spec(a, "embedding", d.optimizer(), d.embeddingLr(), d),
                spec(a, "attention", d.optimizer(), d.lr(), d), Precision.parse(a.get("precision")));
    }

    /** Per group: --optimizer-G, else --optimizer, else the loss's default; the same for the learning rate. */
    private static OptimizerSpec spec(Args a, String group, String defaultKind, double defaultLr, Defaults d) {
        String kindName = a.get("optimizer-" + group) != null ? a.get("optimizer-" + group)
                : a.get("optimizer") != null ? a.get("optimizer") : defaultKind;
        OptimizerSpec.Kind kind = OptimizerSpec.Kind.parse(kindName);
        double lr = a.getDouble("lr-" + group, a.getDouble("lr", defaultLr));
        double decay = a.getDouble("decay-" + group, a.getDouble("decay", group.equals("attention") ? d.decayAttention() : 1.0));
        OptimizerSpec spec = switch (kind) {
            case SGD -> OptimizerSpec.sgd(lr);
            case ADAGRAD -> OptimizerSpec.adagrad(lr, a.getDouble("init-acc-" + group,
                    a.getDouble("init-acc", group.equals("embedding") ? d.embeddingInitAcc() : INIT_ACC)));
            case FTRL -> OptimizerSpec.ftrl(lr, a.getDouble("ftrl-beta", d.ftrlBeta()), a.getDouble("ftrl-l1", d.ftrlL1()),
                    a.getDouble("ftrl-l2", 0.0));
        };
        return spec.withDecay(decay);
    }

    static int passes(Args a) {
        return a.getInt("passes", defaults(loss(a)).passes());
    }
}
