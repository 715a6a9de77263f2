package dev.afmflink.optim;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An optimizer choice and its hyper-parameters, as saved in every model header.
 *
 * @param kind       sgd, adagrad or ftrl
 * @param lr         learning rate (SGD, Adagrad); FTRL's α
 * @param initialAccumulator Adagrad's starting accumulator
 * @param beta       FTRL's β
 * @param l1         FTRL's L1 (exact zeros)
 * @param l2         FTRL's L2
 * @param decay      ρ, forgetting of the squared-gradient accumulator (Adagrad's acc, FTRL's n):
 *                   {@code n ← ρ·n + g²}; 1 keeps every past gradient (the textbook optimizers), less than 1
 *                   lets the step size recover after a bad start or a drift. Ignored by SGD.
 */
public record OptimizerSpec(Kind kind, double lr, double initialAccumulator, double beta, double l1, double l2,
                            double decay)
        implements java.io.Serializable {

    public enum Kind {
        SGD, ADAGRAD, FTRL;

        public static Kind parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown optimizer '" + s + "' (sgd, adagrad or ftrl)");
            }
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Without forgetting (ρ = 1). */
    public OptimizerSpec(Kind kind, double lr, double initialAccumulator, double beta, double l1, double l2) {
        this(kind, lr, initialAccumulator, beta, l1, l2, 1.0);
    }

    public OptimizerSpec {
        requirePositive("lr", lr);
        if (!(decay > 0 && decay <= 1)) {
            throw new IllegalArgumentException("accumulator decay must be in (0, 1], got " + decay);
        }
        if (!(initialAccumulator >= 0) || Double.isInfinite(initialAccumulator)) {
            throw new IllegalArgumentException("initial accumulator must be finite and >= 0, got " + initialAccumulator);
        }
        if (kind == Kind.ADAGRAD && initialAccumulator == 0) {
            throw new IllegalArgumentException("Adagrad needs an initial accumulator > 0");
        }
        if (!(beta >= 0) || !(l1 >= 0) || !(l2 >= 0) || Double.isInfinite(beta + l1 + l2)) {
            throw new IllegalArgumentException("FTRL beta, l1, l2 must be finite and >= 0");
        }
    }

    private static void requirePositive(String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be finite and > 0, got " + v);
        }
    }

    public static OptimizerSpec sgd(double lr) {
        return new OptimizerSpec(Kind.SGD, lr, 0, 0, 0, 0);
    }

    public static OptimizerSpec adagrad(double lr, double initialAccumulator) {
        return new OptimizerSpec(Kind.ADAGRAD, lr, initialAccumulator, 0, 0, 0);
    }

    public static OptimizerSpec ftrl(double alpha, double beta, double l1, double l2) {
        return new OptimizerSpec(Kind.FTRL, alpha, 0, beta, l1, l2);
    }

    public OptimizerSpec withKind(Kind k) {
        return new OptimizerSpec(k, lr, k == Kind.ADAGRAD && initialAccumulator == 0 ? 1e-8 : initialAccumulator, beta, l1, l2,
                decay);
    }

    /** The same optimizer with accumulator decay ρ. */
    public OptimizerSpec withDecay(double rho) {
        return new OptimizerSpec(kind, lr, initialAccumulator, beta, l1, l2, rho);
    }

    public Optimizer build() {
        return switch (kind) {
            case SGD -> new Sgd(this);
            case ADAGRAD -> new Adagrad(this);
            case FTRL -> new Ftrl(this);
        };
    }

    public int slotsPerCoordinate() {
        return switch (kind) {
            case SGD -> 0;
            case ADAGRAD -> 1;
            case FTRL -> 2;
        };
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind.id());
        m.put("lr", lr);
        m.put("initial_accumulator", initialAccumulator);
        m.put("beta", beta);
        m.put("l1", l1);
        m.put("l2", l2);
        m.put("decay", decay);
        return m;
    }

    /** A header's optimizer; files written before forgetting existed have no "decay" (ρ = 1). */
    public static OptimizerSpec fromMap(Map<String, ?> m) {
        return new OptimizerSpec(Kind.parse((String) m.get("kind")), num(m, "lr"), num(m, "initial_accumulator"),
                num(m, "beta"), num(m, "l1"), num(m, "l2"), m.containsKey("decay") ? num(m, "decay") : 1.0);
    }

    /** A required number in a header map (shared by the model's config). */
    public static double num(Map<String, ?> m, String key) {
        Object o = m.get(key);
        if (!(o instanceof Number n)) {
            throw new IllegalArgumentException("optimizer field '" + key + "' missing or not a number");
        }
        return n.doubleValue();
    }

    @Override
    public String toString() {
        return switch (kind) {
            case SGD -> "sgd(lr=" + lr + ")";
            case ADAGRAD -> "adagrad(lr=" + lr + ", acc0=" + initialAccumulator + (decay < 1 ? ", decay=" + decay : "") + ")";
            case FTRL -> "ftrl(alpha=" + lr + ", beta=" + beta + ", l1=" + l1 + ", l2=" + l2
                    + (decay < 1 ? ", decay=" + decay : "") + ")";
        };
    }
}
