package dev.afmflink.offline;

import dev.afmflink.data.Event;
import dev.afmflink.data.EventKind;
import dev.afmflink.data.LibfmReader;
import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.FeedbackReplay;
import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.time.EventTime;
import dev.afmflink.metrics.Evaluation;
import dev.afmflink.metrics.WindowedMean;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.SplitMix64;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains a model from libfm files one example at a time, in file order: the same per-example
 * step the stream runs. Pass 1 is progressive validation (each example is predicted before the
 * model learns from it); further passes go over the examples shuffled with the seed. Prints the
 * progressive loss every {@code progressEvery} examples, VW style, and evaluates on a test file.
 */
public final class OfflineTrainer {

    /** What to run. */
    public record Settings(Path train, Path test, AfmConfig config, int passes, long shuffleSeed, long progressEvery,
                           boolean skipBad, FeatureLifecycle lifecycle, long outOfOrdernessMs) {
        public Settings {
            if (lifecycle.enabled() && passes != 1) {
                throw new IllegalArgumentException("feature admission and expiry (--min-count, --feature-ttl) are a stream's: one pass");
            }
        }

        /** Every feature admitted at first sight, none expires. */
        public Settings(Path train, Path test, AfmConfig config, int passes, long shuffleSeed, long progressEvery, boolean skipBad) {
            this(train, test, config, passes, shuffleSeed, progressEvery, skipBad, FeatureLifecycle.NONE,
                    EventTime.DEFAULT_OUT_OF_ORDERNESS_MS);
        }
    }

    /** The trained model and its figures (keys as in --metrics-out). */
    public record Result(AfmModel model, Map<String, Object> metrics) {
    }

    private OfflineTrainer() {
    }

    public static Result run(Settings s, PrintStream log) throws IOException {
        AfmModel model = new AfmModel(s.config());
        Evaluation progressive = new Evaluation(s.config().loss());
        WindowedMean window = new WindowedMean((int) Math.max(1, Math.min(s.progressEvery(), 1 << 20)));
        long start = System.nanoTime();
        long skipped = 0;
        log.printf(Locale.ROOT, "%-8s %12s %14s %14s %12s%n", "pass", "examples", "prog_loss", "window_loss", "ex/s");
        long seen = 0;
        if (s.lifecycle().enabled()) {
            long[] counts = streamed(model, s, progressive, window, log, start);
            seen = counts[0];
            skipped = counts[1];
        } else if (s.passes() == 1) {
            try (LibfmReader r = new LibfmReader(s.train(), s.config().loss(), s.skipBad())) {
                Example ex = new Example();
                while (r.next(ex)) {
                    seen = step(model, ex, seen, progressive, window, s, log, start, 1);
                }
                skipped = r.skipped();
                reportSkips(r, log);
            }
        } else {
            List<Example> all;
            try (LibfmReader r = new LibfmReader(s.train(), s.config().loss(), s.skipBad())) {
                all = new java.util.ArrayList<>();
                Example ex = new Example();
                while (r.next(ex)) {
                    all.add(ex.copy());
                }
                skipped = r.skipped();
                reportSkips(r, log);
            }
            Example[] order = all.toArray(new Example[0]);
            SplitMix64 rng = new SplitMix64(s.shuffleSeed());
            for (int pass = 1; pass <= s.passes(); pass++) {
                if (pass > 1) {
                    shuffle(order, rng);
                }
                for (Example ex : order) {
                    seen = step(model, ex, seen, pass == 1 ? progressive : null, window, s, log, start, pass);
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        log.printf(Locale.ROOT, "trained %d examples (%d passes) in %.2f s, %.0f examples/s; %d features; %d refused updates%n",
                seen, s.passes(), seconds, seen / seconds, model.features().size(), model.shared().refusedUpdates);

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("examples", seen);
        m.put("passes", s.passes());
        m.put("seconds", seconds);
        m.put("examples_per_second", seen / seconds);
        m.put("skipped_lines", skipped);
        m.put("features", model.features().size());
        m.put("refused_updates", model.shared().refusedUpdates);
        m.put("progressive_examples", progressive.count());
        m.put("progressive_loss", progressive.meanLoss());
        switch (s.config().loss()) {
            case SQUARED -> m.put("progressive_rmse", progressive.rmseClipped());
            case LOGISTIC -> {
                m.put("progressive_logloss", progressive.logloss());
                m.put("progressive_auc", progressive.auc());
            }
        }
        if (s.test() != null) {
            Evaluation test = evaluate(model, s.test(), s.skipBad());
            m.put("test_examples", test.count());
            m.put("test_loss", test.meanLoss());
            switch (s.config().loss()) {
                case SQUARED -> {
                    m.put("test_rmse", test.rmseClipped());
                    log.printf(Locale.ROOT, "test: %d examples, RMSE (clipped to [-1, 1]) %.6f%n", test.count(), test.rmseClipped());
                }
                case LOGISTIC -> {
                    m.put("test_logloss", test.logloss());
                    m.put("test_auc", test.auc());
                    m.put("test_calibration", test.calibration());
                    log.printf(Locale.ROOT, "test: %d examples, logloss %.6f, AUC %.6f, calibration %.4f%n",
                            test.count(), test.logloss(), test.auc(), test.calibration());
                }
            }
        }
        return new Result(model, m);
    }

    private static long step(AfmModel model, Example ex, long seen, Evaluation progressive, WindowedMean window,
                             Settings s, PrintStream log, long start, int pass) {
        double raw = model.train(ex, seen + 1);
        return judged(raw, ex.label, s.config().loss().loss(raw, ex.label), seen, progressive, window, s, log, start, pass);
    }

    /** One example judged by {@code raw} (its prediction before its step): counted, and a progress line every so often. */
    private static long judged(double raw, double label, double loss, long seen, Evaluation progressive, WindowedMean window,
                               Settings s, PrintStream log, long start, int pass) {
        if (progressive != null) {
            progressive.add(raw, label);
        }
        window.add(loss);
        seen++;
        if (seen % s.progressEvery() == 0) {
            double secs = (System.nanoTime() - start) / 1e9;
            log.printf(Locale.ROOT, "%-8d %12d %14.6f %14.6f %12.0f%n", pass, seen,
                    progressive != null ? progressive.meanLoss() : Double.NaN, window.mean(), seen / secs);
        }
        return seen;
    }

    /**
     * One pass as the streaming job trains the same file replayed ({@code bin/afm stream --input
     * FILE}, the job's ordered mode): line i (blank lines not counted) at event time
     * {@link EventTime#ofRecord}, through {@link FeedbackReplay} with the job's feature admission and
     * expiry and its watermarks (sweeps happen as the watermark passes them; at the end of input
     * the examples event time has not reached yet train without), so the model is the one the job
     * publishes at the end of that input, bit for bit.
     * Returns {examples trained or judged, lines skipped}.
     */
    private static long[] streamed(AfmModel model, Settings s, Evaluation progressive, WindowedMean window, PrintStream log,
                                   long start) throws IOException {
        // the job's watermarks: at the end of its input, what event time had not passed yet trains without the sweeps
        FeedbackReplay replay = new FeedbackReplay(model, FeedbackMode.ORDERED, 0, s.outOfOrdernessMs(), EventTime.WATERMARK_STEP_MS)
                .withLifecycle(s.lifecycle());
        long seen = 0;
        try (LibfmReader r = new LibfmReader(s.train(), s.config().loss(), s.skipBad())) {
            Example ex = new Example();
            while (r.next(ex)) {
                long ts = EventTime.ofRecord(r.records() - 1);
                replay.accept(new Event(EventKind.EXAMPLE, "line-" + r.records(), ts, Event.DEFAULT_MODEL, ex.label, ex.copy()));
                seen = newlyJudged(replay, seen, progressive, window, s, log, start);
            }
            replay.end();
            seen = newlyJudged(replay, seen, progressive, window, s, log, start);
            reportSkips(r, log);
            log.printf(Locale.ROOT, "feature lifecycle (as the job): %s; %d counts of unadmitted features held at the end%n",
                    s.lifecycle(), replay.pendingCounts());
            return new long[] {seen, r.skipped()};
        }
    }

    /** Counts the replay's judgements after the first {@code seen} (each example is judged once, in order). */
    private static long newlyJudged(FeedbackReplay replay, long seen, Evaluation progressive, WindowedMean window, Settings s,
                                    PrintStream log, long start) {
        while (seen < replay.judged().size()) {
            FeedbackReplay.Judged j = replay.judged().get((int) seen);
            seen = judged(j.raw(), j.label(), j.loss(), seen, progressive, window, s, log, start, 1);
        }
        return seen;
    }

    private static void reportSkips(LibfmReader r, PrintStream log) {
        if (r.skipped() > 0) {
            log.printf("skipped %d bad lines; first: %s%n", r.skipped(), r.firstSkip());
        }
    }

    /** The order of a pass after the first: a Fisher–Yates shuffle with {@code rng} (the benches shuffle as this does). */
    public static void shuffle(Example[] a, SplitMix64 rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = (int) Long.remainderUnsigned(rng.nextLong(), i + 1);
            Example tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
        }
    }

    /** Test figures of a model on a libfm file (no updates). */
    public static Evaluation evaluate(AfmModel model, Path test, boolean skipBad) throws IOException {
        Evaluation e = new Evaluation(model.config().loss());
        try (LibfmReader r = new LibfmReader(test, model.config().loss(), skipBad)) {
            Example ex = new Example();
            while (r.next(ex)) {
                e.add(model.predictRaw(ex), ex.label);
            }
        }
        return e;
    }
}
