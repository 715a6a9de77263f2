package dev.afmflink.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.SharedFiles;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class OptimizerTest {

    static OptimizerSpec spec(JsonNode s) {
        JsonNode h = s.get("hyper");
        return switch (s.get("optimizer").asText()) {
            case "sgd" -> OptimizerSpec.sgd(h.get("lr").asDouble());
            case "adagrad" -> OptimizerSpec.adagrad(h.get("lr").asDouble(), h.get("initial_accumulator").asDouble());
            case "ftrl" -> OptimizerSpec.ftrl(h.get("alpha").asDouble(), h.get("beta").asDouble(),
                    h.get("l1").asDouble(), h.get("l2").asDouble());
            default -> throw new AssertionError(s);
        };
    }

    /** Step sequences from ../shared/vectors, to 1e-12. */
    @Test
    void referenceStepSequences() throws IOException {
        JsonNode root = new ObjectMapper().readTree(SharedFiles.file("vectors/afm-vectors.json").toFile());
        int seen = 0;
        for (JsonNode s : root.get("optimizer_steps")) {
            Optimizer o = spec(s).build();
            double[] theta = {s.get("start").asDouble()};
            double[] slots = new double[o.slotsPerCoordinate()];
            o.initSlots(theta, 0, slots, 0, 1);
            JsonNode grads = s.get("grads");
            for (int i = 0; i < grads.size(); i++) {
                o.step(theta, 0, slots, 0, new double[] {grads.get(i).asDouble()}, 0, 1);
                assertEquals(s.get("theta_after_each").get(i).asDouble(), theta[0], 1e-12,
                        s.get("optimizer") + " step " + i);
            }
            seen++;
        }
        assertEquals(4, seen);
    }

    @Test
    void sgdSingleStepByHand() {
        Optimizer o = OptimizerSpec.sgd(0.5).build();
        double[] p = {1.0, -2.0};
        o.step(p, 0, null, 0, new double[] {0.2, -0.4}, 0, 2);
        assertEquals(0.9, p[0], 1e-15);
        assertEquals(-1.8, p[1], 1e-15);
    }

    @Test
    void adagradSingleStepByHand() {
        Optimizer o = OptimizerSpec.adagrad(0.1, 0.5).build();
        double[] p = {1.0};
        double[] acc = new double[1];
        o.initSlots(p, 0, acc, 0, 1);
        assertEquals(0.5, acc[0]);
        o.step(p, 0, acc, 0, new double[] {0.5}, 0, 1);
        // acc = 0.5 + 0.25 = 0.75; θ = 1 − 0.1·0.5/√0.75
        assertEquals(0.75, acc[0], 1e-15);
        assertEquals(1.0 - 0.05 / Math.sqrt(0.75), p[0], 1e-15);
    }

    @Test
    void ftrlSingleStepByHand() {
        Optimizer o = OptimizerSpec.ftrl(0.5, 1.0, 0.0, 1.0).build();
        double[] p = {0.0};
        double[] zn = new double[2];
        o.initSlots(p, 0, zn, 0, 1);
        o.step(p, 0, zn, 0, new double[] {2.0}, 0, 1);
        // σ = (√4 − 0)/0.5 = 4; z = 2 − 4·0 = 2; n = 4; θ = −2 / ((1 + 2)/0.5 + 1) = −2/7
        assertEquals(2.0, zn[0], 1e-15);
        assertEquals(4.0, zn[1], 1e-15);
        assertEquals(-2.0 / 7.0, p[0], 1e-15);
    }

    @Test
    void decayedAccumulatorsForgetByHand() {
        Optimizer a = OptimizerSpec.adagrad(0.1, 0.5).withDecay(0.5).build();
        double[] p = {1.0};
        double[] acc = new double[1];
        a.initSlots(p, 0, acc, 0, 1);
        a.step(p, 0, acc, 0, new double[] {0.5}, 0, 1);
        // acc = 0.5·0.5 + 0.25 = 0.5; θ = 1 − 0.1·0.5/√0.5
        assertEquals(0.5, acc[0], 1e-15);
        assertEquals(1.0 - 0.05 / Math.sqrt(0.5), p[0], 1e-15);

        Optimizer f = OptimizerSpec.ftrl(0.5, 1.0, 0.0, 1.0).withDecay(0.25).build();
        double[] w = {0.0};
        double[] zn = new double[2];
        f.initSlots(w, 0, zn, 0, 1);
        f.step(w, 0, zn, 0, new double[] {2.0}, 0, 1); // as ftrlSingleStepByHand: z = 2, n = 4, θ = −2/7
        f.step(w, 0, zn, 0, new double[] {0.0}, 0, 1);
        // z = 0.25·2 = 0.5, n = 0.25·4 + 0 = 1; σ = (1 − 1)/0.5 = 0; z = 0.5; θ = −0.5 / ((1 + 1)/0.5 + 1) = −0.1:
        // the old gradient is mostly forgotten
        assertEquals(1.0, zn[1], 1e-15);
        assertEquals(0.5, zn[0], 1e-15);
        assertEquals(-0.1, w[0], 1e-15);
        assertEquals(0.25, OptimizerSpec.fromMap(f.spec().toMap()).decay(), "saved with the model");
        var old = new java.util.HashMap<>(f.spec().toMap());
        old.remove("decay");
        assertEquals(1.0, OptimizerSpec.fromMap(old).decay(), "files from before forgetting read as rho = 1");
        assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.adagrad(0.1, 1e-8).withDecay(0));
        assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.adagrad(0.1, 1e-8).withDecay(1.5));
    }

    @Test
    void ftrlL1GivesExactZero() {
        Optimizer o = OptimizerSpec.ftrl(0.1, 1.0, 1.0, 0.0).build();
        double[] p = {0.0};
        double[] zn = new double[2];
        o.initSlots(p, 0, zn, 0, 1);
        o.step(p, 0, zn, 0, new double[] {0.6}, 0, 1); // |z| = 0.6 ≤ λ1 = 1
        assertEquals(0.0, p[0]);
        o.step(p, 0, zn, 0, new double[] {0.6}, 0, 1); // |z| = 1.2 > 1: moves off zero
        assertEquals(-(1.2 - 1.0) / ((1.0 + Math.sqrt(0.72)) / 0.1), p[0], 1e-15);
        o.step(p, 0, zn, 0, new double[] {-0.9}, 0, 1); // back inside the L1 ball: exactly zero again
        assertEquals(0.0, p[0]);
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(Math.abs(p[0])));
    }

    @Test
    void ftrlStartsAtTheInitialWeight() {
        OptimizerSpec s = OptimizerSpec.ftrl(0.05, 1.0, 0.01, 0.1);
        Optimizer o = s.build();
        double[] p = {0.3, -0.02, 0.0};
        double[] zn = new double[6];
        o.initSlots(p, 0, zn, 0, 3);
        // with a zero gradient the derived weight is the initial weight
        o.step(p, 0, zn, 0, new double[] {0, 0, 0}, 0, 3);
        assertEquals(0.3, p[0], 1e-15);
        assertEquals(-0.02, p[1], 1e-15);
        assertEquals(0.0, p[2]);
    }

    @Test
    void badHyperParametersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.sgd(0));
        assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.sgd(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.adagrad(0.1, 0));
        assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.ftrl(0.1, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.Kind.parse("adam"));
    }
}
