package dev.afmflink.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.SharedFiles;
import dev.afmflink.optim.OptimizerSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Predictions, losses, attention and gradients against ../shared/vectors (float64, independent). */
class ReferenceVectorsTest {
    static final double REL = 1e-9;

    static Stream<JsonNode> cases() throws IOException {
        JsonNode root = new ObjectMapper().readTree(SharedFiles.file("vectors/afm-vectors.json").toFile());
        List<JsonNode> out = new ArrayList<>();
        root.get("cases").forEach(out::add);
        assertTrue(out.size() >= 8, "expected the 8 reference cases");
        return out.stream();
    }

    static void close(double expected, double actual, String what) {
        double tol = REL * Math.max(1.0, Math.abs(expected));
        assertEquals(expected, actual, tol, what);
    }

    static double[] arr(JsonNode n) {
        double[] a = new double[n.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = n.get(i).asDouble();
        }
        return a;
    }

    /** A model holding exactly the case's parameters (features in the listed order). */
    record Loaded(AfmConfig config, SharedParams shared, double[][] rows, long[] ids, double[] x, double label) {
    }

    static Loaded load(JsonNode c) {
        int k = c.get("k").asInt();
        int t = c.get("t").asInt();
        AfmConfig cfg = new AfmConfig(k, t, Loss.parse(c.get("loss").asText()), c.get("l2_attention").asDouble(),
                0, 0, 1.0, 0.01, 1, OptimizerSpec.sgd(0.1), OptimizerSpec.sgd(0.1), OptimizerSpec.sgd(0.1));
        Layout l = new Layout(cfg);
        JsonNode p = c.get("params");
        double[] attn = new double[l.attnSize];
        for (int r = 0; r < t; r++) {
            double[] row = arr(p.get("W").get(r));
            System.arraycopy(row, 0, attn, r * k, k);
        }
        System.arraycopy(arr(p.get("b")), 0, attn, l.offB, t);
        System.arraycopy(arr(p.get("h")), 0, attn, l.offH, t);
        System.arraycopy(arr(p.get("p")), 0, attn, l.offP, k);
        SharedParams shared = new SharedParams(new double[] {p.get("w0").asDouble()}, attn, new double[0], 0, 0, 0);
        JsonNode feats = c.get("example").get("features");
        int m = feats.size();
        double[][] rows = new double[m][];
        long[] ids = new long[m];
        double[] x = new double[m];
        for (int i = 0; i < m; i++) {
            ids[i] = feats.get(i).get(0).asLong();
            x[i] = feats.get(i).get(1).asDouble();
            String key = Long.toString(ids[i]);
            rows[i] = new double[l.rowSize];
            rows[i][0] = p.get("w").get(key).asDouble();
            System.arraycopy(arr(p.get("v").get(key)), 0, rows[i], 1, k);
        }
        return new Loaded(cfg, shared, rows, ids, x, c.get("example").get("label").asDouble());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesReference(JsonNode c) {
        Loaded d = load(c);
        AfmConfig cfg = d.config();
        Layout l = new Layout(cfg);
        int k = cfg.k();
        int t = cfg.t();
        int m = d.x().length;
        JsonNode exp = c.get("expected");
        AfmKernel kernel = new AfmKernel(cfg);
        double yhat = kernel.forward(d.shared().bias, d.shared().attn, d.rows(), d.x(), m, null);
        close(exp.get("prediction_raw").asDouble(), yhat, "prediction_raw");
        double g = cfg.loss().gradient(yhat, d.label());
        close(exp.get("dloss_dprediction").asDouble(), g, "dloss_dprediction");
        double loss = cfg.loss().loss(yhat, d.label()) + kernel.attentionPenalty(d.shared().attn);
        close(exp.get("loss").asDouble(), loss, "loss");
        JsonNode att = exp.get("attention");
        assertEquals(att.size(), kernel.pairs(), "pair count");
        for (int p = 0; p < att.size(); p++) {
            JsonNode ap = att.get(p);
            assertEquals(ap.get("i").asLong(), d.ids()[kernel.pairI(p)], "pair " + p + " first id");
            assertEquals(ap.get("j").asLong(), d.ids()[kernel.pairJ(p)], "pair " + p + " second id");
            close(ap.get("a").asDouble(), kernel.attention(p), "attention " + p);
        }
        kernel.backward(g, d.shared().attn);
        JsonNode grad = exp.get("grad");
        close(grad.get("w0").asDouble(), kernel.gradBias()[0], "grad w0");
        double[] ga = kernel.gradAttention();
        for (int r = 0; r < t; r++) {
            for (int q = 0; q < k; q++) {
                close(grad.get("W").get(r).get(q).asDouble(), ga[r * k + q], "grad W[" + r + "][" + q + "]");
            }
            close(grad.get("b").get(r).asDouble(), ga[l.offB + r], "grad b" + r);
            close(grad.get("h").get(r).asDouble(), ga[l.offH + r], "grad h" + r);
        }
        for (int q = 0; q < k; q++) {
            close(grad.get("p").get(q).asDouble(), ga[l.offP + q], "grad p" + q);
        }
        double[] gr = kernel.gradRows();
        for (int i = 0; i < m; i++) {
            String key = Long.toString(d.ids()[i]);
            close(grad.get("w").get(key).asDouble(), gr[i * (1 + k)], "grad w" + key);
            for (int q = 0; q < k; q++) {
                close(grad.get("v").get(key).get(q).asDouble(), gr[i * (1 + k) + 1 + q], "grad v" + key + "[" + q + "]");
            }
        }
    }

    /** The same case through the normalized (id-sorted) path of a whole model: same prediction. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void modelPathAgrees(JsonNode c) {
        Loaded d = load(c);
        FeatureTable table = new FeatureTable();
        for (int i = 0; i < d.ids().length; i++) {
            table.put(d.ids()[i], new FeatureParams(d.rows()[i], 0));
        }
        AfmModel model = new AfmModel(d.config(), d.shared(), table);
        Example ex = Example.of(d.label(), d.ids(), d.x());
        close(c.get("expected").get("prediction_raw").asDouble(), model.predictRaw(ex), "model prediction");
    }
}
