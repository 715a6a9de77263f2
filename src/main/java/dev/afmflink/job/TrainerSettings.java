package dev.afmflink.job;

import dev.afmflink.feedback.EventTimes;
import dev.afmflink.feedback.Candidate;
import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.Holdout;
import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.metrics.QualityGate;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Loss;
import java.io.IOException;
import java.io.Serializable;

/**
 * What the trainer of the model keys needs to know, by name, and every check of it in one place
 * ({@link Builder#build}). {@link #of} takes it from the job's {@link StreamSettings}; tests and
 * tools build one with {@link #builder}.
 */
public final class TrainerSettings implements Serializable {
    final AfmConfig config;
    /** Publish every this many examples of a key (0: never by count). */
    final long publishEvery;
    /** Publish at each multiple of this much event time after a change (0: never by time). */
    final long publishIntervalMs;
    /** A full snapshot after this many deltas (0: every snapshot full). */
    final int fullEvery;
    /** Validation windows and the label delay (the attribution window): when windows close, when ordered labels train. */
    final EventTimes times;
    final QualityGate gate;
    final FeedbackMode mode;
    final Holdout holdout;
    /** The trainer joins impressions and clicks itself (the job's); else it takes joined input: impressions once, labelled impressions. */
    final boolean joinsClicks;
    final FeatureLifecycle lifecycle;
    /** Published snapshots hold the weights only (serving); checkpoints always hold everything. */
    final boolean weightsOnly;
    /** Where snapshot files go (null: nowhere but inline in their records), and the largest inline one with a folder. */
    final String snapshotDir;
    final long inlineBytes;
    /** The largest record a snapshot may be without a folder. */
    final long recordLimit;
    /** Warm start: a full snapshot a key without state starts from (null: from scratch). */
    final byte[] initModel;
    /** At most this many write-back buffers on the heap (0: from the budget and k, t). */
    final int maxBufferedKeys;
    /** Which judged predictions go out. */
    final dev.afmflink.feedback.PredictionSample predictions;
    /** Configurations every key trains side by side, the leader published (empty: the one model of {@link #config}). */
    final java.util.List<Candidate> candidates;
    /** When the leader among the candidates changes. */
    final dev.afmflink.feedback.LeaderChoice.Rule rule;
    /** Trainers per model: its keys are replica keys if above 1 ({@link ReplicaKeys}). */
    final int replicas;


    private TrainerSettings(Builder b) {
        this.config = b.config;
        this.publishEvery = b.publishEvery;
        this.publishIntervalMs = b.publishIntervalMs;
        this.fullEvery = b.fullEvery;
        this.times = new EventTimes(b.labelDelayMs, b.validationWindowMs);
        this.gate = b.gate;
        this.mode = b.mode;
        this.holdout = b.holdout;
        this.joinsClicks = b.joinsClicks;
        this.lifecycle = b.lifecycle;
        this.weightsOnly = b.weightsOnly;
        this.snapshotDir = b.snapshotDir;
        this.inlineBytes = b.inlineBytes;
        this.recordLimit = b.recordLimit;
        this.initModel = b.initModel;
        this.maxBufferedKeys = b.maxBufferedKeys;
        this.predictions = b.predictions;
        this.candidates = java.util.List.copyOf(b.candidates);
        this.rule = b.rule;
        this.replicas = b.replicas;
    }

    /** Keys publish their models (false: replica keys, whose merged model their merger publishes). */
    boolean publishes() {
        return replicas == 1;
    }

    public static Builder builder(AfmConfig config) {
        return new Builder(config);
    }

    /** The warm start's model, read from {@link #initModel} (null: none). */
    AfmModel initialModel() {
        if (initModel == null) {
            return null;
        }
        try {
            return dev.afmflink.snapshot.ModelReader.read(new java.io.ByteArrayInputStream(initModel), null, "init model").model();
        } catch (IOException e) {
            throw new IllegalArgumentException("the initial model cannot be read: " + e.getMessage(), e);
        }
    }

    /** The trainer of the job described by {@code s}; {@code initModel}: a full snapshot's bytes for warm start (null: none). */
    public static TrainerSettings of(StreamSettings s, byte[] initModel) {
        FeedbackSettings f = s.feedback();
        return builder(s.config()).publishEvery(s.publishEvery()).publishIntervalMs(s.publishIntervalMs()).fullEvery(s.fullEvery())
                .windows(f.validationWindowMs(), f.attributionWindowMs()).gate(f.gate()).mode(f.mode()).holdout(f.holdout())
                .predictions(f.predictions()).candidates(f.choice().candidates(), f.choice().rule()).joinsClicks(true).lifecycle(s.lifecycle()).weightsOnly(s.weightsOnlySnapshots())
                .snapshotFolder(s.snapshotDir(), s.snapshots().inlineBytes()).initModel(initModel)
                .replicas(s.replicas().replicas()).build();
    }

    /** Settings by name; {@link #build} checks them. */
    public static final class Builder {
        private final AfmConfig config;
        private long publishEvery;
        private long publishIntervalMs;
        private int fullEvery = 10;
        private long validationWindowMs = FeedbackSettings.DEFAULT_VALIDATION_WINDOW_MS;
        private long labelDelayMs = FeedbackSettings.DEFAULT_WINDOW_MS;
        private QualityGate gate = QualityGate.OPEN;
        private FeedbackMode mode = FeedbackMode.DEFAULT;
        private Holdout holdout = Holdout.NONE;
        private boolean joinsClicks;
        private FeatureLifecycle lifecycle = FeatureLifecycle.NONE;
        private boolean weightsOnly;
        private String snapshotDir;
        private long inlineBytes = StreamSettings.SnapshotOptions.DEFAULT.inlineBytes();
        private long recordLimit = AfmStreamJob.MAX_SNAPSHOT_BYTES;
        private byte[] initModel;
        private int maxBufferedKeys;
        private dev.afmflink.feedback.PredictionSample predictions = dev.afmflink.feedback.PredictionSample.ALL;
        private java.util.List<Candidate> candidates = java.util.List.of();
        private int replicas = 1;

        /** Trainers per model (above 1: the keys are replica keys, which publish nothing; their merger publishes). */
        public Builder replicas(int r) {
            this.replicas = r;
            return this;
        }
        private dev.afmflink.feedback.LeaderChoice.Rule rule = dev.afmflink.feedback.LeaderChoice.Rule.DEFAULT;

        private Builder(AfmConfig config) {
            this.config = config;
        }

        /**
         * Two or more configurations every model key trains side by side on its events, each exactly
         * as it would alone; {@code rule} picks the leader from their validation windows, and the
         * key's snapshots are the leader's (empty: the one model of the builder's config).
         */
        public Builder candidates(java.util.List<Candidate> c, dev.afmflink.feedback.LeaderChoice.Rule r) {
            this.candidates = c;
            this.rule = r;
            return this;
        }

        /** Which judged predictions go out (default: all). */
        public Builder predictions(dev.afmflink.feedback.PredictionSample p) {
            this.predictions = p;
            return this;
        }

        public Builder publishEvery(long examples) {
            this.publishEvery = examples;
            return this;
        }

        public Builder publishIntervalMs(long ms) {
            this.publishIntervalMs = ms;
            return this;
        }

        public Builder fullEvery(int deltas) {
            this.fullEvery = deltas;
            return this;
        }

        /**
         * @param validationWindowMs event time per progressive-validation window
         * @param labelDelayMs       the longest a label can take after its example's time (the attribution
         *                           window): a validation window closes when the watermark passes its end plus this
         */
        public Builder windows(long validationWindowMs, long labelDelayMs) {
            this.validationWindowMs = validationWindowMs;
            this.labelDelayMs = labelDelayMs;
            return this;
        }

        /** What a snapshot must pass to be published. */
        public Builder gate(QualityGate g) {
            this.gate = g;
            return this;
        }

        /** When impressions and their labels are trained. */
        public Builder mode(FeedbackMode m) {
            this.mode = m;
            return this;
        }

        /** Labelled impressions held out of training and scored by every candidate snapshot. */
        public Builder holdout(Holdout h) {
            this.holdout = h;
            return this;
        }

        /**
         * The trainer joins impressions and clicks itself ({@link dev.afmflink.feedback.ClickJoin}; the job's
         * trainer does); the default takes joined input, as from a label join before it.
         */
        public Builder joinsClicks(boolean joins) {
            this.joinsClicks = joins;
            return this;
        }

        /** Feature admission and expiry by event time; the default admits every feature at once and removes none. */
        public Builder lifecycle(FeatureLifecycle l) {
            this.lifecycle = l;
            return this;
        }

        /** Published snapshots hold the weights only, no optimizer state (half to a third of the bytes; enough to serve). */
        public Builder weightsOnly(boolean w) {
            this.weightsOnly = w;
            return this;
        }

        /**
         * Snapshot files are written into {@code dir} (a path or any Flink file system's URI), one
         * version folder each; a record carries the file itself up to {@code inlineBytes}, else a
         * pointer to it. Without a folder (the default) a snapshot travels inline only.
         */
        public Builder snapshotFolder(String dir, long inlineBytes) {
            this.snapshotDir = dir;
            this.inlineBytes = inlineBytes;
            return this;
        }

        /** Without a snapshot folder, a snapshot larger than {@code bytes} is not published (the Kafka record limit; tests lower it). */
        public Builder recordLimit(long bytes) {
            this.recordLimit = bytes;
            return this;
        }

        /**
         * Warm start: every model key that has no state yet starts from {@code model} (a full
         * snapshot's bytes) instead of from scratch; a key restored from a checkpoint or savepoint has
         * state and ignores it. Its k, t, loss and optimizers must be the job's.
         */
        public Builder initModel(byte[] model) {
            this.initModel = model;
            return this;
        }

        /** At most {@code n} write-back buffers on the heap (tests; the default follows from k and t). */
        public Builder maxBufferedKeys(int n) {
            this.maxBufferedKeys = n;
            return this;
        }

        /** The settings, checked: an error names what cannot be. */
        public TrainerSettings build() {
            if (mode == FeedbackMode.FAKE_NEGATIVE && config.loss() != Loss.LOGISTIC) {
                throw new IllegalArgumentException("the fake-negative feedback mode needs the logistic loss");
            }
            if (fullEvery < 0) {
                throw new IllegalArgumentException("full-every must be >= 0 (0: every snapshot full)");
            }
            if (lifecycle.shortestTtl() > 0 && lifecycle.shortestTtl() <= labelDelayMs) {
                throw new IllegalArgumentException("the feature TTL (" + lifecycle.shortestTtl() + " ms) must exceed the attribution "
                        + "window (" + labelDelayMs + " ms)");
            }
            if (!candidates.isEmpty()) {
                if (Candidate.lossOf(candidates) != config.loss()) {
                    throw new IllegalArgumentException("candidates: every candidate judges the same labels, with the job's loss "
                            + config.loss().id());
                }
                java.util.Set<String> names = new java.util.HashSet<>();
                for (Candidate c : candidates) {
                    if (c.name().isEmpty() || !c.name().matches("[A-Za-z0-9._-]+") || !names.add(c.name())) {
                        throw new IllegalArgumentException("candidate names: distinct, of letters, digits, '.', '_', '-' (got '"
                                + c.name() + "')");
                    }
                }
                if (initModel != null) {
                    throw new IllegalArgumentException("a warm start (--init-model) and candidates do not go together");
                }
            }
            TrainerSettings s = new TrainerSettings(this);
            if (initModel != null) {
                String why = config.cannotContinue(s.initialModel().config());
                if (why != null) {
                    throw new IllegalArgumentException("the initial model cannot continue training here: " + why);
                }
            }
            return s;
        }
    }
}
