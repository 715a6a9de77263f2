package dev.afmflink.bench;

import dev.afmflink.data.AvazuMapping;
import dev.afmflink.data.CriteoMapping;
import dev.afmflink.data.Event;
import dev.afmflink.data.LibfmLine;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.feedback.FeedbackReplay;
import dev.afmflink.metrics.Evaluation;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import dev.afmflink.model.SplitMix64;
import dev.afmflink.offline.OfflineTrainer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.zip.GZIPInputStream;

/**
 * Step sizes across data sets (issue 23): every variant of the model options, one pass in stream
 * order (Frappe: its protocol's passes), on each case's test set (the mean over the model seeds); beside them a grid of fixed
 * step sizes for the embeddings and the attention group, and each variant's loss ÷ the best of
 * that grid ("the best fixed step size picked afterwards on its test set"). Simulated cases also
 * show the loss ÷ the Bayes loss of their test sample.
 */
public final class StepBench {
    private StepBench() {
    }

    /** A data set: its loss, its training examples in stream order, its test examples, the Bayes loss of the test set if known. */
    public record Case(String name, Loss loss, int passes, List<Example> train, List<Example> test, double bayes) {
    }

    /** A row: a name and the extra model options it adds to the case's loss. */
    public record Variant(String name, List<String> options) {
    }

    /** Test figure of one (case, variant): logloss (logistic) or clipped RMSE (squared), and AUC. */
    public record Score(double loss, double auc) {
    }

    public static Case load(String name, Path data, long simSeed, int simExamples) throws IOException {
        return switch (name) {
            case "criteo" -> {
                List<String> rows = lines(data.resolve("criteo/criteo_train_examples_10k.txt.gz"));
                List<Example> all = libfm(rows.stream().map(CriteoMapping::toLibfm).toList(), Loss.LOGISTIC);
                yield new Case(name, Loss.LOGISTIC, 1, all.subList(0, 8000), all.subList(8000, all.size()), Double.NaN);
            }
            case "avazu" -> {
                List<String> rest = new ArrayList<>(lines(data.resolve("avazu/avazu_wide_resdnn_dev.csv.gz")));
                rest.addAll(lines(data.resolve("avazu/avazu_wide_resdnn_test.csv.gz")));
                yield new Case(name, Loss.LOGISTIC, 1, avazu(lines(data.resolve("avazu/avazu_wide_resdnn_train.csv.gz"))),
                        avazu(rest), Double.NaN);
            }
            case "frappe" -> new Case(name, Loss.SQUARED, 3,
                    libfm(lines(data.resolve("frappe/frappe.validation.libfm.gz")), Loss.SQUARED),
                    libfm(lines(data.resolve("frappe/frappe.test.libfm.gz")), Loss.SQUARED), Double.NaN);
            case "hard", "drift" -> simulated(name, simSeed, simExamples);
            case "movielens" -> movielens(data.resolve("movielens-100k"));
            case "heavy" -> heavy(simSeed, simExamples);
            case "open" -> open(simSeed, simExamples);
            default -> throw new IllegalArgumentException("unknown case '" + name
                    + "' (criteo, avazu, frappe, hard, drift, heavy, movielens, open)");
        };
    }

    /** The feedback bench's hard and drift worlds, every impression with its final label, in event-time order. */
    static Case simulated(String name, long seed, int impressions) {
        var c = FeedbackBench.Case.standard(name, impressions, seed, impressions / 10);
        // the labelled stream as the offline ideal sees it (labels final, event-time order)
        List<Event> events = FeedbackBench.decode(FeedbackBench.events(c), config(Loss.LOGISTIC));
        List<Example> train = FeedbackReplay.labelledInEventOrder(events, c.windowMs(), Loss.LOGISTIC);
        List<Example> test = FeedbackBench.heldOut(c, config(Loss.LOGISTIC), c.drift());
        ClickSimulator sim = new ClickSimulator(seed, c.bias());
        return new Case(name, Loss.LOGISTIC, 1, train, test, bayes(test, sim.heldOutTruth(c.heldOut(), c.drift(), 1)));
    }

    /**
     * The simulator's open vocabulary (a new user with a quarter of the examples, a new ad with a
     * twentieth): labelled examples in order, the last tenth held out.
     */
    static Case open(long seed, int examples) {
        ClickSimulator sim = new ClickSimulator(seed).openVocabulary();
        List<String> raw = new ArrayList<>();
        for (int i = 0; i < examples + examples / 10; i++) {
            raw.add(sim.nextExampleJson(i, dev.afmflink.data.Event.DEFAULT_MODEL));
        }
        List<Example> all = new ArrayList<>();
        for (Event e : FeedbackBench.decode(raw, config(Loss.LOGISTIC))) {
            all.add(e.features().copy());
            all.get(all.size() - 1).label = e.label();
        }
        return new Case("open", Loss.LOGISTIC, 1, all.subList(0, examples), all.subList(examples, all.size()), Double.NaN);
    }

    static Case heavy(long seed, int examples) {
        InteractionWorld w = new InteractionWorld(seed);
        SplitMix64 r = SplitMix64.forStream(seed, 2);
        List<Example> train = new ArrayList<>(examples);
        for (int i = 0; i < examples; i++) {
            train.add(w.next(r).example());
        }
        List<Example> test = new ArrayList<>();
        double[] p = new double[examples / 10];
        List<InteractionWorld.Draw> held = w.heldOut(seed, p.length);
        for (int i = 0; i < p.length; i++) {
            test.add(held.get(i).example());
            p[i] = held.get(i).p();
        }
        return new Case("heavy", Loss.LOGISTIC, 1, train, test, bayes(test, p));
    }

    /**
     * MovieLens 100K as a click stream: a rating of 4 or 5 is a click; features user, item, gender,
     * age (by decade), occupation and each of the item's genres (field "genre"); the ratings in time
     * order (ties in file order), the first 80 % train, the last 20 % test.
     */
    static Case movielens(Path dir) throws IOException {
        java.util.Map<String, String[]> users = new java.util.HashMap<>();
        for (String l : lines(dir.resolve("u.user.gz"))) {
            String[] f = l.split("\\|");
            users.put(f[0], f);
        }
        java.util.Map<String, List<Integer>> genres = new java.util.HashMap<>();
        for (String l : lines(dir.resolve("u.item.gz"), StandardCharsets.ISO_8859_1)) {
            String[] f = l.split("\\|", -1);
            List<Integer> g = new ArrayList<>();
            for (int i = 5; i < f.length; i++) {
                if (f[i].equals("1")) {
                    g.add(i - 5);
                }
            }
            genres.put(f[0], g);
        }
        List<String[]> ratings = new ArrayList<>();
        for (String l : lines(dir.resolve("u.data.gz"))) {
            ratings.add(l.split("\t"));
        }
        ratings.sort(java.util.Comparator.comparingLong(r -> Long.parseLong(r[3]))); // stable: ties in file order
        List<Example> all = new ArrayList<>(ratings.size());
        for (String[] r : ratings) {
            String[] u = users.get(r[0]);
            Example ex = new Example();
            ex.add(dev.afmflink.data.FeatureHash.of("user", r[0]), 1);
            ex.add(dev.afmflink.data.FeatureHash.of("item", r[1]), 1);
            ex.add(dev.afmflink.data.FeatureHash.of("gender", u[2]), 1);
            ex.add(dev.afmflink.data.FeatureHash.of("age", Integer.toString(Integer.parseInt(u[1]) / 10)), 1);
            ex.add(dev.afmflink.data.FeatureHash.of("occupation", u[3]), 1);
            for (int g : genres.getOrDefault(r[1], List.of())) {
                ex.add(dev.afmflink.data.FeatureHash.of("genre", Integer.toString(g)), 1);
            }
            ex.label = Integer.parseInt(r[2]) >= 4 ? 1 : 0;
            all.add(ex.normalize().copy());
        }
        int cut = all.size() * 4 / 5;
        return new Case("movielens", Loss.LOGISTIC, 1, all.subList(0, cut), all.subList(cut, all.size()), Double.NaN);
    }

    /** The logloss of the true probabilities on the test sample. */
    static double bayes(List<Example> test, double[] p) {
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            sum += test.get(i).label > 0.5 ? -Math.log(p[i]) : -Math.log(1 - p[i]);
        }
        return sum / p.length;
    }

    private static AfmConfig config(Loss loss) {
        return new AfmConfig(4, 4, loss, 0, 0, 0, 1, 0.1, 1, dev.afmflink.optim.OptimizerSpec.sgd(0.01),
                dev.afmflink.optim.OptimizerSpec.sgd(0.01), dev.afmflink.optim.OptimizerSpec.sgd(0.01));
    }

    /** Trains one model on the case (one pass in order; more passes shuffled as {@code bin/afm train} does) and tests it. */
    public static Score score(Case c, AfmConfig config) {
        AfmModel m = new AfmModel(config);
        Example[] order = c.train().toArray(new Example[0]);
        SplitMix64 rng = new SplitMix64(config.seed());
        long seen = 0;
        for (int pass = 1; pass <= c.passes(); pass++) {
            if (pass > 1) {
                OfflineTrainer.shuffle(order, rng); // as bin/afm train shuffles: the same figures
            }
            for (Example ex : order) {
                m.train(ex, ++seen);
            }
        }
        Evaluation e = new Evaluation(config.loss());
        for (Example x : c.test()) {
            e.add(m.predictRaw(x), x.label);
        }
        return c.loss() == Loss.SQUARED ? new Score(e.rmseClipped(), Double.NaN) : new Score(e.logloss(), e.auc());
    }

    /**
     * The table: per case, each variant's test figure, the grid's, and each variant ÷ the grid's
     * best. {@code configOf} builds a config from a loss and extra options.
     */
    public static void run(List<Case> cases, List<Variant> variants, List<Double> grid, List<String> gridBase, List<Long> seeds,
                           BiFunction<Loss, List<String>, AfmConfig> configOf, PrintStream out) throws Exception {
        for (Case c : cases) {
            out.printf(Locale.ROOT, "%n%s: %,d train / %,d test, %d pass(es), %s%s%n", c.name(), c.train().size(), c.test().size(),
                    c.passes(), c.loss() == Loss.SQUARED ? "test RMSE (clipped)" : "test logloss",
                    Double.isNaN(c.bayes()) ? "" : String.format(Locale.ROOT, ", Bayes logloss %.4f", c.bayes()));
            List<String> names = new ArrayList<>();
            List<AfmConfig> configs = new ArrayList<>();
            for (Variant v : variants) {
                names.add(v.name());
                configs.add(configOf.apply(c.loss(), v.options()));
            }
            for (double lr : grid) {
                names.add("fixed lr " + lr);
                List<String> o = new ArrayList<>(gridBase);
                o.addAll(List.of("--lr-embedding", Double.toString(lr), "--lr-attention", Double.toString(lr)));
                configs.add(configOf.apply(c.loss(), o));
            }
            // every config under every seed, then the mean per config
            List<AfmConfig> runs = new ArrayList<>();
            for (AfmConfig cfg : configs) {
                for (long seed : seeds) {
                    runs.add(withSeed(cfg, seed));
                }
            }
            List<Score> each = runs.parallelStream().map(cfg -> score(c, cfg)).toList();
            List<Score> scores = new ArrayList<>();
            for (int i = 0; i < configs.size(); i++) {
                double loss = 0;
                double auc = 0;
                for (int j = 0; j < seeds.size(); j++) {
                    loss += each.get(i * seeds.size() + j).loss();
                    auc += each.get(i * seeds.size() + j).auc();
                }
                scores.add(new Score(loss / seeds.size(), auc / seeds.size()));
            }
            double best = Double.POSITIVE_INFINITY;
            for (int i = variants.size(); i < scores.size(); i++) {
                best = Math.min(best, scores.get(i).loss());
            }
            for (int i = 0; i < scores.size(); i++) {
                Score s = scores.get(i);
                out.printf(Locale.ROOT, "  %-28s %8.5f%s  ÷ best fixed %.4f%s%n", names.get(i), s.loss(),
                        Double.isNaN(s.auc()) ? "" : String.format(Locale.ROOT, "  AUC %.4f", s.auc()), s.loss() / best,
                        Double.isNaN(c.bayes()) ? "" : String.format(Locale.ROOT, "  ÷ Bayes %.3f", s.loss() / c.bayes()));
            }
        }
    }

    private static AfmConfig withSeed(AfmConfig c, long seed) {
        return new AfmConfig(c.k(), c.t(), c.loss(), c.l2Attention(), c.l2Embedding(), c.l2Linear(), c.keepProb(), c.initStd(),
                seed, c.linear(), c.embedding(), c.attention(), c.precision());
    }

    static List<String> lines(Path gz) throws IOException {
        return lines(gz, StandardCharsets.UTF_8);
    }

    /** The non-blank lines of a gzipped text file in {@code charset}. */
    static List<String> lines(Path gz, java.nio.charset.Charset charset) throws IOException {
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(gz)), charset))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                if (!l.isBlank()) {
                    out.add(l);
                }
            }
        }
        return out;
    }

    private static List<Example> avazu(List<String> rows) {
        return libfm(rows.stream().filter(r -> !AvazuMapping.isHeader(r)).map(AvazuMapping::toLibfm).toList(), Loss.LOGISTIC);
    }

    private static List<Example> libfm(List<String> lines, Loss loss) {
        List<Example> out = new ArrayList<>(lines.size());
        for (String l : lines) {
            Example ex = new Example();
            String bad = LibfmLine.parse(l, loss, ex);
            if (bad != null) {
                throw new IllegalArgumentException("bad libfm line (" + bad + "): " + l);
            }
            out.add(ex.copy());
        }
        return out;
    }
}
