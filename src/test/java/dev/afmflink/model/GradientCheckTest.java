package dev.afmflink.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.optim.OptimizerSpec;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hand-written gradients against central finite differences of the full objective (loss + ½λ‖W‖²
 * + L2 on the example's embeddings and linear weights), in double, for every parameter group,
 * both losses, m = 0, 1, 2, 10, with and without dropout (the mask held fixed by replaying the
 * generator's state).
 */
class GradientCheckTest {
    static final double H = 1e-6;
    static final double REL = 1e-6;

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (Loss loss : Loss.values()) {
            for (int m : new int[] {0, 1, 2, 10}) {
                for (double keep : new double[] {1.0, 0.7}) {
                    b.add(Arguments.of(loss, m, keep));
                }
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} m={1} keep={2}")
    @MethodSource("cases")
    void gradientsMatchFiniteDifferences(Loss loss, int m, double keep) {
        int k = 5;
        int t = 4;
        AfmConfig cfg = new AfmConfig(k, t, loss, 0.3, 0.2, 0.1, keep, 0.5, 42,
                OptimizerSpec.sgd(0.1), OptimizerSpec.sgd(0.1), OptimizerSpec.sgd(0.1));
        Layout l = new Layout(cfg);
        SplitMix64 rng = new SplitMix64(7 + m);
        double[] bias = {0.3};
        double[] attn = new double[l.attnSize];
        for (int q = 0; q < attn.length; q++) {
            attn[q] = rng.nextGaussian();
        }
        double[][] rows = new double[m][l.rowSize];
        double[] x = new double[m];
        for (int i = 0; i < m; i++) {
            for (int q = 0; q <= k; q++) {
                rows[i][q] = rng.nextGaussian();
            }
            x[i] = 0.5 + rng.nextDouble();
        }
        double label = loss == Loss.LOGISTIC ? 1.0 : -1.0;
        long dropState = 12345;
        AfmKernel kernel = new AfmKernel(cfg);
        Objective f = () -> {
            double y = kernel.forward(bias, attn, rows, x, m, new SplitMix64(dropState));
            double obj = loss.loss(y, label) + kernel.attentionPenalty(attn);
            for (int i = 0; i < m; i++) {
                obj += 0.5 * cfg.l2Linear() * rows[i][0] * rows[i][0];
                for (int q = 1; q <= k; q++) {
                    obj += 0.5 * cfg.l2Embedding() * rows[i][q] * rows[i][q];
                }
            }
            return obj;
        };
        double y = kernel.forward(bias, attn, rows, x, m, new SplitMix64(dropState));
        kernel.backward(loss.gradient(y, label), attn);
        double[] gBias = kernel.gradBias().clone();
        double[] gAttn = kernel.gradAttention().clone();
        double[] gRows = kernel.gradRows().clone();

        check("w0", gBias[0], numeric(f, bias, 0));
        for (int q = 0; q < attn.length; q++) {
            String group = q < l.offB ? "W" : q < l.offH ? "b" : q < l.offP ? "h" : "p";
            check(group + "[" + q + "]", gAttn[q], numeric(f, attn, q));
        }
        for (int i = 0; i < m; i++) {
            check("w" + i, gRows[i * (1 + k)], numeric(f, rows[i], 0));
            for (int q = 1; q <= k; q++) {
                check("v" + i + "[" + q + "]", gRows[i * (1 + k) + q], numeric(f, rows[i], q));
            }
        }
        if (m >= 2) {
            // the attention is not trivially uniform: the test exercises the softmax path
            double spread = 0;
            for (int p = 0; p < kernel.pairs(); p++) {
                spread = Math.max(spread, Math.abs(kernel.attention(p) - 1.0 / kernel.pairs()));
            }
            assertTrue(m == 2 || spread > 1e-3, "attention should not be uniform");
        }
    }

    interface Objective {
        double value();
    }

    static double numeric(Objective f, double[] a, int q) {
        double old = a[q];
        a[q] = old + H;
        double up = f.value();
        a[q] = old - H;
        double down = f.value();
        a[q] = old;
        return (up - down) / (2 * H);
    }

    static void check(String what, double analytic, double numeric) {
        double err = Math.abs(analytic - numeric) / Math.max(Math.max(Math.abs(analytic), Math.abs(numeric)), 1e-3);
        assertTrue(err <= REL, what + ": analytic " + analytic + " numeric " + numeric + " rel err " + err);
    }
}
