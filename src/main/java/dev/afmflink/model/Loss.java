package dev.afmflink.model;

/**
 * The two losses of the model. Both take the raw score {@code ŷ} (before any link function).
 *
 * <ul>
 *   <li>{@link #SQUARED}: {@code L = ½(ŷ − y)²}, regression; the paper's labels are −1/1.
 *   <li>{@link #LOGISTIC}: {@code L = log(1 + e^ŷ) − yŷ}, clicks with labels in [0, 1]; the reported
 *       prediction is {@code σ(ŷ)}. Written so that it is finite and exact for |ŷ| up to 1e4 and beyond.
 * </ul>
 */
public enum Loss {
    SQUARED {
        @Override
        public double loss(double yhat, double y) {
            double d = yhat - y;
            return 0.5 * d * d;
        }

        @Override
        public double gradient(double yhat, double y) {
            return yhat - y;
        }

        @Override
        public double prediction(double yhat) {
            return yhat;
        }

        @Override
        public boolean validLabel(double y) {
            return Double.isFinite(y);
        }

        @Override
        public String labelRange() {
            return "any finite number";
        }
    },
    LOGISTIC {
        @Override
        public double loss(double yhat, double y) {
            // log(1 + e^ŷ) = max(ŷ, 0) + log1p(e^−|ŷ|): no overflow for any finite ŷ
            return Math.max(yhat, 0.0) + Math.log1p(Math.exp(-Math.abs(yhat))) - y * yhat;
        }

        @Override
        public double gradient(double yhat, double y) {
            return sigmoid(yhat) - y;
        }

        @Override
        public double prediction(double yhat) {
            return sigmoid(yhat);
        }

        @Override
        public boolean validLabel(double y) {
            return y >= 0.0 && y <= 1.0;
        }

        @Override
        public String labelRange() {
            return "[0, 1] (a libfm label −1 is read as 0)";
        }
    };

    /** The loss for raw score {@code yhat} and label {@code y}. */
    public abstract double loss(double yhat, double y);

    /** dL/dŷ. */
    public abstract double gradient(double yhat, double y);

    /** What a user sees: ŷ for squared loss, the probability σ(ŷ) for logistic loss. */
    public abstract double prediction(double yhat);

    public abstract boolean validLabel(double y);

    public abstract String labelRange();

    /**
     * The label of an impression nobody clicked (the click-stream's "no"): 0 for logistic loss,
     * −1 for squared loss (the paper's labels). The one home of that rule.
     */
    public double negativeLabel() {
        return this == LOGISTIC ? 0.0 : -1.0;
    }

    /**
     * A label as given (a libfm line's, an event's) as this loss reads it: for the logistic loss a
     * −1 (the paper's "no") is 0; anything else as it is. The one home of that rule; whether the
     * result is in range is {@link #validLabel}.
     */
    public double readLabel(double given) {
        return this == LOGISTIC && given == -1.0 ? 0.0 : given;
    }

    /** Stable logistic function: exact for large |z| on both sides. */
    public static double sigmoid(double z) {
        if (z >= 0) {
            return 1.0 / (1.0 + Math.exp(-z));
        }
        double e = Math.exp(z);
        return e / (1.0 + e);
    }

    public static Loss parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown loss '" + s + "' (squared or logistic)");
        }
    }

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
