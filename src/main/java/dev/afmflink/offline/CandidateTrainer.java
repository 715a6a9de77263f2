package dev.afmflink.offline;

import dev.afmflink.data.LibfmReader;
import dev.afmflink.feedback.Candidate;
import dev.afmflink.feedback.LeaderChoice;
import dev.afmflink.metrics.Evaluation;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The online choice among candidate configurations on a file (issue 23): every candidate trains on
 * the same examples in file order, one pass, exactly as it would alone ({@link OfflineTrainer}: its
 * model is the same, bit for bit); progressive validation judges each example before each
 * candidate's step, in windows of {@code windowExamples}; {@link LeaderChoice} reads the closed
 * windows and names the leader, and the stream "as served" takes each window's predictions from
 * the leader in effect at the window's start. The leader at the end is the model to keep. The
 * "last quarter" is the last quarter of the windows (the last window when there are fewer than four).
 */
public final class CandidateTrainer {

    /** The candidates' models (in order), the leader at the end, its switches, and the figures (keys as in --metrics-out). */
    public record Result(List<AfmModel> models, int leader, List<LeaderChoice.Switch> switches, Map<String, Object> metrics) {
    }

    private CandidateTrainer() {
    }

    public static Result run(Path train, Path test, List<Candidate> candidates, LeaderChoice.Rule rule, int windowExamples,
                             boolean skipBad, PrintStream log) throws IOException {
        var loss = Candidate.lossOf(candidates);
        if (windowExamples < 1) {
            throw new IllegalArgumentException("a window needs at least one example");
        }
        int n = candidates.size();
        List<AfmModel> models = new ArrayList<>(n);
        List<Evaluation> progressive = new ArrayList<>(n);
        for (Candidate c : candidates) {
            models.add(new AfmModel(c.config()));
            progressive.add(new Evaluation(loss));
        }
        // per window: each candidate's loss sum and the served one (the window's leader), and its examples
        List<double[]> windowSums = new ArrayList<>();
        List<Long> windowCounts = new ArrayList<>();
        double[] windowLoss = new double[n + 1];
        long windowN = 0;
        long window = 0;
        int servedBy = 0;
        LeaderChoice choice = new LeaderChoice(n, rule);
        List<LeaderChoice.Switch> switches = new ArrayList<>();
        Evaluation served = new Evaluation(loss);
        long seen = 0;
        long skipped;
        try (LibfmReader r = new LibfmReader(train, loss, skipBad)) {
            Example ex = new Example();
            while (r.next(ex)) {
                double servedRaw = 0;
                for (int k = 0; k < n; k++) {
                    double raw = models.get(k).train(ex, seen + 1); // the step OfflineTrainer takes: the same model
                    progressive.get(k).add(raw, ex.label);
                    double l = loss.loss(raw, ex.label);
                    windowLoss[k] += l;
                    if (k == servedBy) {
                        servedRaw = raw;
                        windowLoss[n] += l;
                    }
                }
                served.add(servedRaw, ex.label);
                seen++;
                if (++windowN == windowExamples) {
                    windowSums.add(windowLoss.clone());
                    windowCounts.add(windowN);
                    servedBy = close(choice, window++, windowN, windowLoss, switches);
                    windowN = 0;
                }
            }
            if (windowN > 0) {
                windowSums.add(windowLoss.clone());
                windowCounts.add(windowN);
                close(choice, window, windowN, windowLoss, switches);
            }
            skipped = r.skipped();
        }
        int leader = choice.leader();
        // the last quarter of the windows
        double[] lastQuarter = new double[n + 1];
        long quarter = 0;
        for (int i = Math.max(0, windowSums.size() - Math.max(1, windowSums.size() / 4)); i < windowSums.size(); i++) {
            for (int k = 0; k <= n; k++) {
                lastQuarter[k] += windowSums.get(i)[k];
            }
            quarter += windowCounts.get(i);
        }
        quarter = Math.max(1, quarter);
        double best = Double.POSITIVE_INFINITY;
        for (int k = 0; k < n; k++) {
            best = Math.min(best, lastQuarter[k] / quarter);
        }

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("examples", seen);
        m.put("skipped_lines", skipped);
        m.put("window_examples", windowExamples);
        m.put("rule_windows", rule.windows());
        m.put("rule_margin", rule.margin());
        List<Map<String, Object>> cs = new ArrayList<>();
        log.printf(Locale.ROOT, "%-20s %12s %14s %12s %10s%n", "candidate", "prog_loss", "last_quarter", loss == dev.afmflink.model.Loss.LOGISTIC ? "test_logloss" : "test_rmse", "test_auc");
        for (int k = 0; k < n; k++) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", candidates.get(k).name());
            c.put("config", candidates.get(k).config().toMap());
            c.put("progressive_loss", progressive.get(k).meanLoss());
            c.put("last_quarter_loss", lastQuarter[k] / quarter);
            Evaluation t = test == null ? null : OfflineTrainer.evaluate(models.get(k), test, skipBad);
            if (t != null) {
                c.put("test_loss", t.meanLoss());
                if (loss == dev.afmflink.model.Loss.LOGISTIC) {
                    c.put("test_logloss", t.logloss());
                    c.put("test_auc", t.auc());
                } else {
                    c.put("test_rmse", t.rmseClipped());
                }
            }
            cs.add(c);
            log.printf(Locale.ROOT, "%-20s %12.6f %14.6f %12s %10s%s%n", candidates.get(k).name(), progressive.get(k).meanLoss(),
                    lastQuarter[k] / quarter, t == null ? "-" : String.format(Locale.ROOT, "%.6f",
                            loss == dev.afmflink.model.Loss.LOGISTIC ? t.logloss() : t.rmseClipped()),
                    t == null || loss != dev.afmflink.model.Loss.LOGISTIC ? "-" : String.format(Locale.ROOT, "%.4f", t.auc()),
                    k == leader ? "   <- leader" : "");
        }
        m.put("candidates", cs);
        m.put("chosen_progressive_loss", served.meanLoss());
        m.put("chosen_last_quarter_loss", lastQuarter[n] / quarter);
        m.put("chosen_vs_best_last_quarter", lastQuarter[n] / quarter / best);
        m.put("leader", candidates.get(leader).name());
        List<Map<String, Object>> sw = new ArrayList<>();
        for (LeaderChoice.Switch s : switches) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("window", s.windowStart());
            x.put("after_examples", (s.windowStart() + 1) * windowExamples);
            x.put("from", candidates.get(s.from()).name());
            x.put("to", candidates.get(s.to()).name());
            x.put("from_loss", s.fromLoss());
            x.put("to_loss", s.toLoss());
            sw.add(x);
            log.printf(Locale.ROOT, "switch after %d examples (window %d): %s -> %s (%.6f -> %.6f over the last %d windows)%n",
                    (s.windowStart() + 1) * windowExamples, s.windowStart(), candidates.get(s.from()).name(),
                    candidates.get(s.to()).name(), s.fromLoss(), s.toLoss(), rule.windows());
        }
        m.put("switches", sw);
        log.printf(Locale.ROOT, "with the choice (windows of %d examples, a lead of more than %.1f %% over %d windows): progressive "
                        + "loss %.6f, last quarter %.6f (%.4f x the best candidate's); leader at the end: %s%n", windowExamples,
                100 * rule.margin(), rule.windows(), served.meanLoss(), lastQuarter[n] / quarter, lastQuarter[n] / quarter / best,
                candidates.get(leader).name());
        return new Result(models, leader, switches, m);
    }

    /** Closes window {@code w} for every candidate; returns the leader for the next window. */
    private static int close(LeaderChoice choice, long w, long n, double[] windowLoss, List<LeaderChoice.Switch> switches) {
        for (int k = 0; k < windowLoss.length - 1; k++) {
            LeaderChoice.Switch s = choice.closed(k, w, n, windowLoss[k]);
            if (s != null) {
                switches.add(s);
            }
        }
        java.util.Arrays.fill(windowLoss, 0);
        return choice.leader();
    }
}
