package dev.afmflink.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A model trained on several trainers ({@code --trainers-per-model R}) is judged by each replica on
 * the examples routed to it: each closes its own progressive-validation windows
 * ({@link MetricsLine#REPLICA_WINDOW}, {@code detail} "r/R"), in event-time order, and only those
 * that judged something. They make the model's window ({@link MetricsLine#WINDOW}) over every example
 * judged in it once every replica's line of it has come, or every replica has closed a later window
 * (a replica that judged nothing in it sends none): n added; loss, mean prediction and mean label
 * averaged with weights n (exact: means over the union); calibration the ratio of the two means;
 * attention per pair n-weighted; AUC the n-weighted mean of the replicas' AUCs (an AUC cannot be
 * merged from summaries: an approximation, docs/events.md); examples (trained) and features the
 * largest of the replicas' (a replica counts its own steps and those of the merges it has taken in:
 * the model's, up to the lag).
 */
public final class ReplicaWindows {
    /** Per model: replica lines of windows not emitted yet, by window start and replica. */
    private final Map<String, TreeMap<Long, Map<Integer, MetricsLine>>> open = new HashMap<>();
    /** Per model: each replica's latest window start ({@link Long#MIN_VALUE}: none yet). */
    private final Map<String, long[]> latest = new HashMap<>();

    /** Takes one replica window line; returns the model's windows it completes, in time order (a line seen again is taken once). */
    public List<MetricsLine> add(MetricsLine l) {
        int[] rr = replicaOf(l.detail());
        TreeMap<Long, Map<Integer, MetricsLine>> windows = open.computeIfAbsent(l.model(), m -> new TreeMap<>());
        long[] last = latest.computeIfAbsent(l.model(), m -> {
            long[] a = new long[rr[1]];
            java.util.Arrays.fill(a, Long.MIN_VALUE);
            return a;
        });
        if (rr[1] != last.length) {
            throw new IllegalArgumentException("replica windows of model " + l.model() + " from " + last.length + " and "
                    + rr[1] + " replicas");
        }
        last[rr[0]] = Math.max(last[rr[0]], l.windowStart());
        windows.computeIfAbsent(l.windowStart(), s -> new HashMap<>()).putIfAbsent(rr[0], l);
        long passed = Long.MAX_VALUE;
        for (long t : last) {
            passed = Math.min(passed, t);
        }
        List<MetricsLine> out = new ArrayList<>();
        while (!windows.isEmpty()) {
            var first = windows.firstEntry();
            if (first.getValue().size() < rr[1] && first.getKey() >= passed) {
                break;
            }
            windows.pollFirstEntry();
            out.add(combine(first.getValue()));
        }
        return out;
    }

    /** The windows still waiting (the input ended): each from the replicas' lines that came, in time order. */
    public List<MetricsLine> flush() {
        List<MetricsLine> out = new ArrayList<>();
        for (TreeMap<Long, Map<Integer, MetricsLine>> windows : open.values()) {
            windows.values().forEach(w -> out.add(combine(w)));
            windows.clear();
        }
        out.sort(java.util.Comparator.comparing(MetricsLine::model).thenComparingLong(MetricsLine::windowStart));
        return out;
    }

    /** "r/R" → {r, R}. */
    static int[] replicaOf(String detail) {
        try {
            int slash = detail.indexOf('/');
            int r = Integer.parseInt(detail.substring(0, slash));
            int of = Integer.parseInt(detail.substring(slash + 1));
            if (r < 0 || r >= of) {
                throw new IllegalArgumentException();
            }
            return new int[] {r, of};
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("a replica window's detail is r/R, got " + detail);
        }
    }

    private static MetricsLine combine(Map<Integer, MetricsLine> lines) {
        MetricsLine first = lines.values().iterator().next();
        long n = 0;
        double loss = 0;
        double auc = 0;
        long aucN = 0;
        double prediction = 0;
        double label = 0;
        long examples = 0;
        long wallMs = 0;
        long features = 0;
        SortedMap<String, Double> attention = new TreeMap<>();
        Map<String, Long> attentionN = new HashMap<>();
        for (MetricsLine l : lines.values()) {
            n += l.n();
            loss += l.loss() * l.n();
            prediction += l.meanPrediction() * l.n();
            label += l.meanLabel() * l.n();
            if (!Double.isNaN(l.auc())) {
                auc += l.auc() * l.n();
                aucN += l.n();
            }
            examples = Math.max(examples, l.examples());
            wallMs = Math.max(wallMs, l.wallMs());
            features = Math.max(features, l.features());
            l.attention().forEach((pair, a) -> {
                attention.merge(pair, a * l.n(), Double::sum);
                attentionN.merge(pair, (long) l.n(), Long::sum);
            });
        }
        attention.replaceAll((pair, sum) -> sum / attentionN.get(pair));
        double meanPrediction = prediction / n;
        double meanLabel = label / n;
        return new MetricsLine(MetricsLine.WINDOW, first.model(), first.windowStart(), first.windowEnd(), (int) n, loss / n,
                aucN > 0 ? auc / aucN : Double.NaN, meanPrediction, meanLabel, meanPrediction / meanLabel, examples, wallMs,
                first.version(), first.heldBack(), features, null, attention);
    }
}
