package dev.afmflink.bench;

import dev.afmflink.data.FeatureHash;
import dev.afmflink.model.Example;
import dev.afmflink.model.SplitMix64;
import java.util.ArrayList;
import java.util.List;

/**
 * An interaction-heavy click world with a known Bayes loss, for the step-size study (issue 23):
 * eight categorical fields (vocabularies of 100 down to 6 values, skewed draws), every value a
 * latent vector of rank 4 and a small linear effect, and ten of the 28 field pairs interacting
 * with strengths from 4 down to 1: logit = bias + Σ linear + Σ_{interacting (i, j)} 2·c_ij ⟨u_i, u_j⟩.
 * The pairs carry most of the signal (a model that learns them halves its logloss), and their
 * strength is what sets the step size a stream needs: with strengths half as large, the
 * step sizes 0.05 and 0.1 are level (docs/benchmarks.md, "Step sizes"). Deterministic for a
 * seed; each example comes with the probability its label was drawn with, so the Bayes loss of
 * a sample is known exactly.
 */
public final class InteractionWorld {
    static final int[] VOCAB = {100, 80, 60, 40, 30, 24, 12, 6};
    static final int RANK = 4;
    static final int PAIRS = 10;
    private final double[][][] latent = new double[VOCAB.length][][];
    private final double[][] linear = new double[VOCAB.length][];
    private final int[][] pairs = new int[PAIRS][];
    private final double[] strength = new double[PAIRS];
    private final double bias;
    private final long[][] ids = new long[VOCAB.length][];

    /** One draw: its features, its label and the probability the label was drawn with. */
    public record Draw(Example example, double p) {
    }

    public InteractionWorld(long seed) {
        this.bias = -1.2;
        SplitMix64 r = SplitMix64.forStream(seed, 1);
        for (int f = 0; f < VOCAB.length; f++) {
            latent[f] = new double[VOCAB[f]][RANK];
            linear[f] = new double[VOCAB[f]];
            ids[f] = new long[VOCAB[f]];
            for (int v = 0; v < VOCAB[f]; v++) {
                for (int q = 0; q < RANK; q++) {
                    latent[f][v][q] = r.nextGaussian() / Math.sqrt(RANK);
                }
                linear[f][v] = 0.2 * r.nextGaussian();
                ids[f][v] = FeatureHash.of("f" + f, "v" + v);
            }
        }
        // ten distinct pairs, strengths 2.0 .. 0.5
        int chosen = 0;
        boolean[][] used = new boolean[VOCAB.length][VOCAB.length];
        while (chosen < PAIRS) {
            int i = (int) (r.nextDouble() * VOCAB.length);
            int j = (int) (r.nextDouble() * VOCAB.length);
            if (i == j || used[Math.min(i, j)][Math.max(i, j)]) {
                continue;
            }
            used[Math.min(i, j)][Math.max(i, j)] = true;
            pairs[chosen] = new int[] {Math.min(i, j), Math.max(i, j)};
            strength[chosen] = 4.0 - 3.0 * chosen / (PAIRS - 1);
            chosen++;
        }
    }

    /**
     * The world as a click-stream: {@code impressions} impressions (JSON events, fields f0..f7),
     * one every {@code spacingMs} of event time from {@code t0}, and for the clicked ones a click
     * after {@code delay}, in event-time order. Draws from stream 2 of the seed (the same
     * examples {@link StepBench} trains on).
     */
    public List<String> clickStream(long seed, int impressions, long t0, long spacingMs,
                                    dev.afmflink.embedded.ClickSimulator.ClickDelay delay) {
        SplitMix64 r = SplitMix64.forStream(seed, 2);
        SplitMix64 delays = SplitMix64.forStream(seed, 4);
        java.util.PriorityQueue<long[]> clicks = new java.util.PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < impressions; i++) {
            long now = t0 + i * spacingMs;
            while (!clicks.isEmpty() && clicks.peek()[0] <= now) {
                long[] c = clicks.poll();
                out.add("{\"type\":\"click\",\"id\":\"imp-" + c[1] + "\",\"ts\":" + c[0] + "}");
            }
            int[] v = new int[VOCAB.length];
            Draw d = next(r, v);
            if (d.example().label > 0.5) {
                clicks.add(new long[] {now + delay.draw(delays), i});
            }
            StringBuilder sb = new StringBuilder(200);
            sb.append("{\"type\":\"impression\",\"id\":\"imp-").append(i).append("\",\"ts\":").append(now)
                    .append(",\"model\":\"default\",\"features\":{");
            for (int f = 0; f < VOCAB.length; f++) {
                sb.append(f == 0 ? "" : ",").append("\"f").append(f).append("\":\"v").append(v[f]).append('"');
            }
            out.add(sb.append("}}").toString());
        }
        while (!clicks.isEmpty()) {
            long[] c = clicks.poll();
            out.add("{\"type\":\"click\",\"id\":\"imp-" + c[1] + "\",\"ts\":" + c[0] + "}");
        }
        return out;
    }

    /** {@code count} held-out draws from stream 3 of the seed (the test set {@link StepBench} uses). */
    public List<Draw> heldOut(long seed, int count) {
        SplitMix64 t = SplitMix64.forStream(seed, 3);
        List<Draw> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(next(t));
        }
        return out;
    }

    /** The next draw from stream {@code r}. */
    public Draw next(SplitMix64 r) {
        return next(r, new int[VOCAB.length]);
    }

    /** The next draw from stream {@code r}; its values into {@code v}. */
    private Draw next(SplitMix64 r, int[] v) {
        long[] id = new long[VOCAB.length];
        double[] x = new double[VOCAB.length];
        double z = bias;
        for (int f = 0; f < VOCAB.length; f++) {
            double u = r.nextDouble();
            v[f] = (int) (u * u * VOCAB[f]);
            id[f] = ids[f][v[f]];
            x[f] = 1.0;
            z += linear[f][v[f]];
        }
        for (int p = 0; p < PAIRS; p++) {
            double[] a = latent[pairs[p][0]][v[pairs[p][0]]];
            double[] b = latent[pairs[p][1]][v[pairs[p][1]]];
            double dot = 0;
            for (int q = 0; q < RANK; q++) {
                dot += a[q] * b[q];
            }
            z += strength[p] * dot * 2.0;
        }
        double p = 1.0 / (1.0 + Math.exp(-z));
        boolean click = r.nextDouble() < p;
        Example ex = Example.of(click ? 1 : 0, id, x);
        return new Draw(ex, p);
    }
}
