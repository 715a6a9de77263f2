package dev.afmflink.job;

import java.nio.file.Path;
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
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The job graph, plumbing only: Kafka → decode (bad records to the dead-letter topic) →
 * keyBy(model key) → {@link AfmTrainer} → progressive predictions to Kafka, snapshots to Kafka
 * and to versioned folders.
 */
public final class AfmStreamJob {
    /** Largest snapshot record the job produces to Kafka (the snapshots topic must accept it too). */
    public static final int MAX_SNAPSHOT_BYTES = 64 << 20;

    private AfmStreamJob() {
    }

    /** The Flink configuration for these settings: state backend, checkpoints, no generic Kryo. */
    public static Configuration configuration(StreamSettings s) {
        Map<String, String> m = new HashMap<>();
        m.put("state.backend.type", s.stateBackend());
        m.put("execution.checkpointing.dir", uri(s.checkpointDir()));
        m.put("execution.checkpointing.incremental", "true");
        m.put("execution.checkpointing.interval", s.checkpointIntervalMs() + " ms");
        m.put("execution.checkpointing.num-retained", "3");
        m.put("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        m.put("pipeline.generic-types", "false");
        m.put("parallelism.default", Integer.toString(s.parallelism()));
        m.put("restart-strategy.type", "fixed-delay");
        m.put("restart-strategy.fixed-delay.attempts", "3");
        m.put("restart-strategy.fixed-delay.delay", "1 s");
        return Configuration.fromMap(m);
    }

    static String uri(String dir) {
        return dir.contains("://") ? dir : Path.of(dir).toAbsolutePath().toUri().toString();
    }

    /** Adds the job's operators to {@code env}. */
    public static void build(StreamExecutionEnvironment env, StreamSettings s) {
        KafkaSourceBuilder<RawRecord> source = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(s.bootstrapServers())
                .setTopics(s.inputTopic())
                .setGroupId(s.groupId())
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new KafkaRecords.Input());
        if (s.bounded()) {
            source.setBounded(OffsetsInitializer.latest());
        }
        DataStream<RawRecord> raw = env.fromSource(source.build(), WatermarkStrategy.noWatermarks(), "kafka: " + s.inputTopic())
                .uid("source");
        SingleOutputStreamOperator<TrainingExample> decoded = raw
                .process(new DecodeFunction(s.config().loss(), s.maxRecordBytes()))
                .name("decode").uid("decode");
        decoded.getSideOutput(DecodeFunction.DEAD_LETTERS)
                .sinkTo(sink(s, new KafkaRecords.DeadLetters(s.deadLettersTopic())))
                .name("kafka: " + s.deadLettersTopic()).uid("dead-letter-sink");
        SingleOutputStreamOperator<Prediction> trained = s.noopTraining()
                ? decoded.keyBy(new ModelKey()).process(new NoopTrainer()).name("no-op (benchmark)").uid("train")
                : decoded.keyBy(new ModelKey())
                        .transform("train AFM", TypeInformation.of(Prediction.class),
                                new AfmTrainerOperator(new AfmTrainer(s.config(), s.publishEvery(), s.publishIntervalMs(),
                                        s.fullEvery())))
                        .uid("train");
        trained.sinkTo(sink(s, new KafkaRecords.Predictions(s.predictionsTopic())))
                .name("kafka: " + s.predictionsTopic()).uid("prediction-sink");
        DataStream<SnapshotRecord> snapshots = trained.getSideOutput(AfmTrainer.SNAPSHOTS);
        snapshots.sinkTo(sink(s, new KafkaRecords.Snapshots(s.snapshotsTopic())))
                .name("kafka: " + s.snapshotsTopic()).uid("snapshot-kafka-sink");
        if (s.snapshotDir() != null) {
            snapshots.sinkTo(new ModelDirectorySink(s.snapshotDir())).name("folders: " + s.snapshotDir())
                    .uid("snapshot-folder-sink");
        }
    }

    private static <T> KafkaSink<T> sink(StreamSettings s, KafkaRecordSerializationSchema<T> schema) {
        Properties p = new Properties();
        p.setProperty("max.request.size", Integer.toString(MAX_SNAPSHOT_BYTES));
        p.setProperty("linger.ms", "5");
        return KafkaSink.<T>builder()
                .setBootstrapServers(s.bootstrapServers())
                .setKafkaProducerConfig(p)
                .setRecordSerializer(schema)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    /** The benchmark baseline: same keying and output, no model. */
    public static final class NoopTrainer
            extends org.apache.flink.streaming.api.functions.KeyedProcessFunction<String, TrainingExample, Prediction> {
        @Override
        public void processElement(TrainingExample ex, Context ctx, org.apache.flink.util.Collector<Prediction> out) {
            out.collect(new Prediction(ex.model, ex.id, ex.ts, ex.label, 0.0, 0.0, 0));
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
