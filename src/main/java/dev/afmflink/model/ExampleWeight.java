package dev.afmflink.model;

/**
 * How much one training example counts: its loss (and so its gradient) is multiplied by a weight
 * computed from the model's own probability {@code p = σ(ŷ)} before the update, taken as a
 * constant (no gradient flows through the weight).
 */
public enum ExampleWeight {
    /** Every example counts once: the plain loss. */
    ONE {
        @Override
        public double weight(double p, double label) {
            return 1.0;
        }
    },
    /**
     * Fake negative weighted (FNW; Ktena et al., RecSys 2019, "Addressing delayed feedback for
     * continuous training with neural networks in CTR prediction", eq. 5–7). Every impression is
     * trained at once as a negative and every click again as a positive, so the observed
     * distribution is b(1|x) = p/(1+p). Importance weights b → p: a positive counts (1 + p), a
     * negative (1 − p)(1 + p); the model then estimates the true click probability p itself, with
     * no correction at prediction time. Logistic loss only.
     */
    FAKE_NEGATIVE {
        @Override
        public double weight(double p, double label) {
            return label > 0.5 ? 1.0 + p : (1.0 - p) * (1.0 + p);
        }
    };

    /** The weight of an example with label {@code label} when the model's probability is {@code p}. */
    public abstract double weight(double p, double label);
}
