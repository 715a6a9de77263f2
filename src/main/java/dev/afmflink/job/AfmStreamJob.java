package dev.afmflink.job;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The job graph, plumbing only, in the direction an event travels: Kafka (decoded in the source,
 * watermarks per partition) → route: bad records to the dead-letter topic, the rest → keyBy(model
 * key) → {@link AfmTrainer} (the label join of impressions and clicks, scoring, training; clicks also
 * to a {@link LabelJoin} keyed by impression id that drains savepoints of the jobs before; at
 * parallelism 1 that join and the trainer take their keyed input in line, one chain from the source
 * to the sinks, see {@link LabelJoinOperator}) → judged
 * predictions and validation metrics to Kafka,
 * snapshots (through the quality gate) written to versioned folders by the trainer and sent to Kafka
 * (inline, or as pointers to their files when large).
 */
public final class AfmStreamJob {
    /** Largest snapshot record the job produces to Kafka (the snapshots topic must accept it too). */
    public static final int MAX_SNAPSHOT_BYTES = 64 << 20;
    /** A watermark at least every this much event time, whatever the reading speed ({@link EventTimeWatermarks}). */
    public static final long WATERMARK_STEP_MS = dev.afmflink.time.EventTime.WATERMARK_STEP_MS;

    /**
     * How far the source's watermark moves before it is emitted again: {@link #WATERMARK_STEP_MS}, but
     * a tenth of a tick when one model runs on several trainers (they work through event time tick by
     * tick, and each watermark crosses every shuffle and reaches every sink).
     */
    public static long watermarkStepMs(ReplicaSettings r) {
        return r.synced() ? Math.max(WATERMARK_STEP_MS, r.tickMs() / 10) : WATERMARK_STEP_MS;
    }

    private AfmStreamJob() {
    }

    /** The Flink configuration for these settings: state backend, checkpoints, no generic Kryo. */
    public static Configuration configuration(StreamSettings s) {
        Map<String, String> m = new HashMap<>();
        m.put("state.backend.type", s.stateBackend());
        // event-time timers on the heap (checkpointed with the keyed state): the ordered feedback mode sets two per
        // impression, and RocksDB timers cost more than the training step (docs/benchmarks.md)
        m.put("state.backend.rocksdb.timer-service.factory", "HEAP");
        m.put("state.backend.forst.timer-service.factory", "HEAP");
        m.put("execution.checkpointing.dir", uri(s.checkpointDir()));
        m.put("execution.checkpointing.incremental", "true");
        m.put("execution.checkpointing.interval", s.checkpointIntervalMs() + " ms");
        m.put("execution.checkpointing.num-retained", "3");
        m.put("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        m.put("pipeline.generic-types", "false");
        // no copy of each record between chained operators (source → route, trainer → sinks): no function keeps or
        // changes a record it has passed on, and a shuffle's reads always make new records (EdgeTypes)
        m.put("pipeline.object-reuse", "true");
        m.put("parallelism.default", Integer.toString(s.parallelism()));
        // most features a CTR stream brings are new: a Bloom filter answers "not in state" without reading blocks
        // (without it the miss dominated a 10-million-feature run: docs/benchmarks.md, "Scale")
        m.put("state.backend.rocksdb.use-bloom-filter", "true");
        m.put("state.backend.forst.use-bloom-filter", "true");
        m.put("state.backend.rocksdb.metrics.estimate-num-keys", "true");
        m.put("state.backend.rocksdb.metrics.estimate-live-data-size", "true");
        m.put("state.backend.rocksdb.metrics.total-sst-files-size", "true");
        return Configuration.fromMap(m);
    }

    /** Task failures within 10 minutes a local run (bin/afm stream) restarts from; one more and the job fails. */
    public static final int LOCAL_MAX_FAILURES = 3;

    /**
     * The environment the job runs in. On a cluster ({@code flink run}) the restart strategy is
     * the cluster's (flink-conf/config.yaml: failure rate, 5 in 10 minutes); only a local run inside
     * this JVM (the embedded default, the benches) sets its own: failure rate,
     * {@link #LOCAL_MAX_FAILURES} in 10 minutes.
     */
    public static StreamExecutionEnvironment environment(StreamSettings s) {
        return environment(s, Map.of());
    }

    /** As {@link #environment(StreamSettings)}, with more Flink options (e.g. the local run's REST port). */
    public static StreamExecutionEnvironment environment(StreamSettings s, Map<String, String> more) {
        Configuration conf = configuration(s);
        more.forEach(conf::setString);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        if (env instanceof org.apache.flink.streaming.api.environment.LocalStreamEnvironment) {
            // bounded: a job that fails again and again ends FAILED with its cause instead of looping
            // (flink-conf/config.yaml does the same on a cluster)
            env.configure(Configuration.fromMap(Map.of(
                    "restart-strategy.type", "failure-rate",
                    "restart-strategy.failure-rate.max-failures-per-interval", Integer.toString(LOCAL_MAX_FAILURES),
                    "restart-strategy.failure-rate.failure-rate-interval", "10 min",
                    "restart-strategy.failure-rate.delay", "1 s")));
        }
        return env;
    }

    /** A directory given as a path or URI (checkpoints, snapshot folders) as the URI Flink's file systems take. */
    static String uri(String dir) {
        return dev.afmflink.snapshot.SnapshotFolders.isLocal(dir)
                ? dev.afmflink.snapshot.SnapshotFolders.local(dir).toAbsolutePath().toUri().toString() : dir;
    }

    /** Adds the job's operators to {@code env}. */
    public static void build(StreamExecutionEnvironment env, StreamSettings s) {
        build(env, s, (byte[]) null);
    }

    /**
     * Adds the job's operators to {@code env}; a model key without state starts from
     * {@code initModel} (a full snapshot's bytes; null: from scratch).
     */
    public static void build(StreamExecutionEnvironment env, StreamSettings s, byte[] initModel) {
        if (s.replicas().synced()) {
            ReplicaSettings r = s.replicas();
            boolean float32 = s.config().precision() == dev.afmflink.model.Precision.FLOAT32;
            build(env, s, byReplica -> byReplica.transform("train AFM (replica keys)", TypeInformation.of(Prediction.class),
                    new ReplicaTrainerOperator(trainer(s, initModel), r, float32)).uid("train"), initModel);
            return;
        }
        build(env, s, byModel -> byModel.transform("train AFM", TypeInformation.of(Prediction.class),
                new AfmTrainerOperator(trainer(s, initModel))).uid("train"));
    }

    /** The training stage of the graph: the events by model key in, judged predictions out (and the trainer's side outputs). */
    public interface TrainStage {
        SingleOutputStreamOperator<Prediction> apply(org.apache.flink.streaming.api.datastream.KeyedStream<TrainingExample, String> byModel);
    }

    /** Adds the job's operators to {@code env} with {@code train} as the training stage (a benchmark puts a baseline there). */
    public static void build(StreamExecutionEnvironment env, StreamSettings s, TrainStage train) {
        build(env, s, train, null);
    }

    /** As above; with replica keys, their merger's merged model starts from {@code initModel} too (null: from scratch). */
    private static void build(StreamExecutionEnvironment env, StreamSettings s, TrainStage train, byte[] initModel) {
        FeedbackSettings f = s.feedback();
        // the fetcher thread decodes each batch ahead of the task thread (FetcherDecoding)
        KafkaRecords.Input input = new KafkaRecords.Input(s.config().loss(), s.maxRecordBytes(), s.limits());
        KafkaSourceBuilder<InputEvent> source = KafkaSource.<InputEvent>builder()
                .setBootstrapServers(s.bootstrapServers())
                .setTopics(s.inputTopic())
                .setGroupId(s.groupId())
                .setProperties(s.kafka().asProperties())
                .setStartingOffsets(s.kafka().offsetsInitializer())
                .setDeserializer(input);
        if (s.bounded()) {
            source.setBounded(OffsetsInitializer.latest());
        }
        // per Kafka partition (the source runs the strategy per split), from the events' own time
        long step = watermarkStepMs(s.replicas());
        WatermarkStrategy<InputEvent> watermarks = WatermarkStrategy
                .<InputEvent>forGenerator(ctx -> new EventTimeWatermarks(f.outOfOrdernessMs(), step))
                .withTimestampAssigner((e, kafkaTs) -> e.eventTime());
        if (f.idlenessMs() > 0) {
            watermarks = watermarks.withIdleness(Duration.ofMillis(f.idlenessMs()));
        }
        if (s.replicas().synced()) {
            watermarks = readAhead(watermarks, s.replicas());
        }
        // one subtask: every key is its own, so the keyed operators need no shuffle; source, route, the draining join,
        // the trainer and its sinks run as one chain (no record serialized, no thread between them)
        boolean synced = s.replicas().synced();
        boolean oneChain = env.getParallelism() == 1 && !synced;
        SingleOutputStreamOperator<TrainingExample> examples = env
                .fromSource(new BoundedKafkaSource<>(source.build(), input), watermarks, "kafka: " + s.inputTopic()).uid("source")
                .process(new RouteFunction(!oneChain, synced ? s.replicas() : null, f.attributionWindowMs()), EdgeTypes.TRAINING_EXAMPLE).name("route").uid("route");
        KafkaSink<DeadLetter> deadLetterSink = sink(s, new KafkaRecords.DeadLetters(s.deadLettersTopic()));
        // the trainer joins impressions and clicks; this join, keyed by impression id as the jobs before had it, only
        // drains what their savepoints hold (it acts on clicks only, and keeps nothing new)
        LabelJoin draining = new LabelJoin(f.attributionWindowMs(), s.config().loss().negativeLabel(), true);
        SingleOutputStreamOperator<TrainingExample> joined;
        DataStream<TrainingExample> toTrain;
        if (oneChain) {
            joined = DataStreamUtils.reinterpretAsKeyedStream(examples, new ImpressionId())
                    .transform("label join", EdgeTypes.TRAINING_EXAMPLE, new LabelJoinOperator(draining, true));
            toTrain = joined;
        } else {
            joined = examples.getSideOutput(RouteFunction.CLICK_STREAM).keyBy(new ImpressionId())
                    .transform("label join", EdgeTypes.TRAINING_EXAMPLE, new LabelJoinOperator(draining));
            toTrain = examples.union(joined);
        }
        joined.name("label join (savepoints before 2026-12)").uid("label-join");
        SingleOutputStreamOperator<TrainingExample> merged = null;
        ReplicaKeys replicaKeys = null;
        if (synced) { // the merges read back from the synchronization topic meet the events at the replica keys
            int maxParallelism = env.getMaxParallelism() > 0 ? env.getMaxParallelism()
                    : org.apache.flink.runtime.state.KeyGroupRangeAssignment.computeDefaultMaxParallelism(env.getParallelism());
            replicaKeys = new ReplicaKeys(s.replicas().replicas(), maxParallelism);
            merged = merger(env, s, replicaKeys, initModel);
            toTrain = toTrain.union(merged);
        }
        SingleOutputStreamOperator<Prediction> trained = train.apply(oneChain
                ? DataStreamUtils.reinterpretAsKeyedStream(toTrain, new ModelKey())
                : synced ? toTrain.keyBy(new ReplicaKey(s.replicas(), replicaKeys)) : toTrain.keyBy(new ModelKey()));
        // dead letters: the decoder's (via the route), the join's, and the trainer's last line of defence (train_failed)
        // (each side output without the events' watermarks: the dead letters' sink is a task of its own)
        DataStream<DeadLetter> dead = withoutWatermarks(examples.getSideOutput(DeadLetters.TAG), "route")
                .union(withoutWatermarks(joined.getSideOutput(DeadLetters.TAG), "label-join"));
        dead = dead.union(withoutWatermarks(trained.getSideOutput(DeadLetters.TAG), "train"));
        if (synced) {
            dead = dead.union(withoutWatermarks(merged.getSideOutput(DeadLetters.TAG), "merge"));
        }
        dead.sinkTo(deadLetterSink).name("kafka: " + s.deadLettersTopic()).uid("dead-letter-sink");
        trained.sinkTo(sink(s, new KafkaRecords.Predictions(s.predictionsTopic())))
                .name("kafka: " + s.predictionsTopic()).uid("prediction-sink");
        if (f.metricsTopic() != null) {
            trained.getSideOutput(AfmTrainer.METRICS)
                    .sinkTo(sink(s, new KafkaRecords.Metrics(f.metricsTopic())))
                    .name("kafka: " + f.metricsTopic()).uid("metrics-sink");
        }
        // snapshot files are written to their folders by the trainer as it reads them from state; the records (the file,
        // or a pointer to it when large) go to Kafka
        DataStream<SnapshotRecord> snapshots = trained.getSideOutput(AfmTrainer.SNAPSHOTS);
        if (synced) {
            snapshots = snapshots.union(merged.getSideOutput(AfmTrainer.SNAPSHOTS));
            trained.getSideOutput(ReplicaTrainerOperator.CHANGES)
                    .sinkTo(sink(s, new KafkaRecords.SyncChanges(s.replicas().topic())))
                    .name("kafka: " + s.replicas().topic()).uid("sync-sink");
        }
        snapshots.sinkTo(sink(s, new KafkaRecords.Snapshots(s.snapshotsTopic())))
                .name("kafka: " + s.snapshotsTopic()).uid("snapshot-kafka-sink");
    }

    /** {@code letters} as they are, without the watermarks ({@link DropWatermarks}); {@code from}: the operator's uid. */
    private static DataStream<DeadLetter> withoutWatermarks(DataStream<DeadLetter> letters, String from) {
        return letters.transform("dead letters of " + from + ", no watermarks", letters.getType(), new DropWatermarks<>())
                .uid("dead-letters-of-" + from);
    }

    /**
     * The synchronization topic read back, merged per model key ({@link MergeFunction}): the words to
     * the replica keys (events for the trainer's input) and the merged model's snapshots. The topic's
     * records carry no event time the job waits for: their watermark (the trainers' progress, {@link SyncProgress})
     * bounds the input's read-ahead and stops after the source ({@link WithoutEventTime}: idle downstream), so the
     * events alone move the trainers' watermark (and inputs all idle hold it, as in a job without replicas). A new job reads the records written since it was
     * started (a wall-clock instant that chooses records only, never what a model holds); a restored one
     * goes on from its checkpoint.
     */
    private static SingleOutputStreamOperator<TrainingExample> merger(StreamExecutionEnvironment env, StreamSettings s,
                                                                     ReplicaKeys keys, byte[] initModel) {
        ReplicaSettings r = s.replicas();
        KafkaSource<SyncRecord> source = KafkaSource.<SyncRecord>builder()
                .setBootstrapServers(s.bootstrapServers())
                .setTopics(r.topic())
                .setGroupId(s.groupId() + "-sync")
                .setProperties(s.kafka().asProperties())
                .setStartingOffsets(OffsetsInitializer.timestamp(System.currentTimeMillis()))
                .setDeserializer(new KafkaRecords.SyncChangesIn())
                .build();
        long tickMs = r.tickMs();
        WatermarkStrategy<SyncRecord> progress = WatermarkStrategy.<SyncRecord>forGenerator(ctx -> new SyncProgress())
                .withTimestampAssigner((c, kafkaTs) -> SyncProgress.timestamp(c, tickMs));
        progress = readAhead(progress, r);
        // the loop's records are few and every trainer waits for them: each goes out at once, not when a buffer fills or
        // the buffer timeout (100 ms) passes
        SingleOutputStreamOperator<SyncRecord> changes = env.fromSource(new BoundedKafkaSource<>(source), progress, "kafka: " + r.topic())
                .uid("sync-source").setBufferTimeout(0)
                .transform("sync: no event time downstream", TypeInformation.of(SyncRecord.class), new WithoutEventTime<>())
                .uid("sync-without-event-time").setBufferTimeout(0);
        return changes.keyBy(new SyncModelKey())
                .transform("merge replicas", EdgeTypes.TRAINING_EXAMPLE, new WriteBackOperator<>(new MergeFunction(
                        TrainerSettings.of(s, initModel), r, keys)))
                .uid("merge").setBufferTimeout(0);
    }

    /** How often the sources report their watermarks for the read-ahead bound, and hear back how far they may read. */
    static final Duration READ_AHEAD_UPDATE = Duration.ofMillis(50);

    /**
     * {@code strategy} in the job's read-ahead group (docs/scaling.md, "Reading ahead"): the event source
     * pauses (as a whole, {@link PausedAsAWhole}) while its watermark is more than {@link ReplicaSettings#readAheadMs} past the
     * synchronization source's, the end of the latest tick a trainer has written its change of
     * ({@link SyncProgress}). Reading speed only: what the trainers compute depends on event time alone.
     * Without a bound ({@code --sync-read-ahead 0}) {@code strategy} as it is.
     */
    private static <T> WatermarkStrategy<T> readAhead(WatermarkStrategy<T> strategy, ReplicaSettings r) {
        return r.readAheadTicks() == 0 ? strategy
                : strategy.withWatermarkAlignment("afm-read-ahead:" + r.topic(), Duration.ofMillis(r.readAheadMs()), READ_AHEAD_UPDATE);
    }

    /** The model key of a change on the synchronization topic. */
    public static final class SyncModelKey implements KeySelector<SyncRecord, String> {
        @Override
        public String getKey(SyncRecord r) {
            return r.model;
        }
    }

    /** The replica key of an event (its model and a hash of its impression id) or of a merger's word (named in it). */
    public static final class ReplicaKey implements KeySelector<TrainingExample, String> {
        private final ReplicaSettings replicas;
        private final ReplicaKeys keys;

        public ReplicaKey(ReplicaSettings replicas, ReplicaKeys keys) {
            this.replicas = replicas;
            this.keys = keys;
        }

        @Override
        public String getKey(TrainingExample e) {
            return e.sync != null ? e.model : keys.key(e.model, e.replica >= 0 ? e.replica : replicas.replicaOf(e));
        }
    }

    private static AfmTrainer trainer(StreamSettings s, byte[] initModel) {
        return new AfmTrainer(TrainerSettings.of(s, initModel));
    }

    /** A Kafka sink with the job's producer settings (the job's sinks; the bench's floor row). */
    public static <T> KafkaSink<T> sink(StreamSettings s, KafkaRecordSerializationSchema<T> schema) {
        Properties p = s.kafka().asProperties();
        p.setProperty("max.request.size", Integer.toString(MAX_SNAPSHOT_BYTES));
        p.setProperty("linger.ms", "5");
        // a prediction is ~130 bytes: larger batches (same linger, so no later) mean fewer requests per record
        p.putIfAbsent("batch.size", Integer.toString(256 << 10));
        return KafkaSink.<T>builder()
                .setBootstrapServers(s.bootstrapServers())
                .setKafkaProducerConfig(p)
                .setRecordSerializer(schema)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }


    /** The impression id of an impression or click (the draining label join's key; "" for an example without one). */
    public static final class ImpressionId implements KeySelector<TrainingExample, String> {
        @Override
        public String getKey(TrainingExample e) {
            return e.id == null ? "" : e.id;
        }
    }

    /** The model key of an example. */
    public static final class ModelKey implements KeySelector<TrainingExample, String> {
        @Override
        public String getKey(TrainingExample e) {
            return e.model;
        }
    }
}
