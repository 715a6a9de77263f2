package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.SharedParams;
import java.util.List;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * Every type on the hot path (state and records between operators) is a Flink POJO serialized by
 * Flink's own serializers, with generic Kryo disabled: a type that fell back to Kryo would fail
 * here (and the job itself runs with pipeline.generic-types = false, see the end-to-end test).
 */
class SerializationTest {
    static final List<Class<?>> HOT = List.of(FeatureParams.class, SharedParams.class, PublishState.class,
            InputEvent.class, TrainingExample.class, Prediction.class, DeadLetter.class, SnapshotRecord.class,
            JoinState.class, MetricsRecord.class, dev.afmflink.metrics.ProgressiveWindow.class, CandidateGroup.class);

    @Test
    void hotPathTypesArePojosWithoutGenericKryo() {
        Configuration conf = new Configuration();
        conf.setString("pipeline.generic-types", "false");
        SerializerConfigImpl cfg = new SerializerConfigImpl(conf);
        org.junit.jupiter.api.Assertions.assertTrue(cfg.hasGenericTypesDisabled(), "generic types disabled");
        for (Class<?> c : HOT) {
            TypeInformation<?> ti = TypeInformation.of(c);
            assertInstanceOf(PojoTypeInfo.class, ti, c + " must be a Flink POJO");
            TypeSerializer<?> s = ti.createSerializer(cfg); // throws if any field needs generic Kryo
            assertFalse(s instanceof KryoSerializer, c.getName());
        }
    }

    @Test
    void featureParamsRoundTripThroughItsSerializer() throws Exception {
        TypeSerializer<FeatureParams> s = TypeInformation.of(FeatureParams.class).createSerializer(new ExecutionConfig().getSerializerConfig());
        FeatureParams f = new FeatureParams(new double[] {0.5, -1e-300, Double.MIN_VALUE, 3}, 42);
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(f, out);
        FeatureParams back = s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertArrayEquals(f.data, back.data);
        assertEquals(42, back.lastUpdate);
    }

    /** Flink's POJO serializer writes what the job keeps in RocksDB: a float32 row takes half the bytes of a float64 one. */
    @Test
    void aFloat32FeatureTakesHalfTheStateBytes() throws Exception {
        TypeSerializer<FeatureParams> s = TypeInformation.of(FeatureParams.class).createSerializer(new ExecutionConfig().getSerializerConfig());
        int[] bytes = new int[2];
        for (dev.afmflink.model.Precision p : dev.afmflink.model.Precision.values()) {
            dev.afmflink.model.AfmConfig c = new dev.afmflink.model.AfmConfig(64, 64, dev.afmflink.model.Loss.LOGISTIC, 0, 0, 0, 1,
                    0.1, 1, dev.afmflink.optim.OptimizerSpec.adagrad(0.05, 1e-8), dev.afmflink.optim.OptimizerSpec.adagrad(0.05, 1e-8),
                    dev.afmflink.optim.OptimizerSpec.adagrad(0.05, 1e-8), p);
            FeatureParams f = new dev.afmflink.model.AfmLearner(c).newFeature(7, 42);
            DataOutputSerializer out = new DataOutputSerializer(64);
            s.serialize(f, out);
            bytes[p.ordinal()] = out.length();
            FeatureParams back = s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
            org.junit.jupiter.api.Assertions.assertTrue(f.sameAs(back), p + " round trip");
        }
        int f64 = bytes[dev.afmflink.model.Precision.FLOAT64.ordinal()];
        int f32 = bytes[dev.afmflink.model.Precision.FLOAT32.ordinal()];
        System.out.println("state bytes per feature at k = 64, Adagrad: float64 " + f64 + ", float32 " + f32);
        org.junit.jupiter.api.Assertions.assertTrue(f32 <= f64 / 2 + 8, "float32 " + f32 + " bytes vs float64 " + f64);
    }

    /**
     * The records crossing the job's shuffles use {@link EdgeTypes}' serializers (not the POJO one):
     * every field survives the round trip, feature values all 1 are left out of the bytes, and the
     * built job graph's shuffled edges carry these types.
     */
    @Test
    void shuffledRecordsRoundTripThroughTheEdgeSerializers() throws Exception {
        var config = new ExecutionConfig().getSerializerConfig();
        TypeSerializer<TrainingExample> ts = EdgeTypes.TRAINING_EXAMPLE.createSerializer(config);
        assertInstanceOf(EdgeTypes.TrainingExampleSerializer.class, ts);
        TrainingExample one = new TrainingExample(dev.afmflink.data.EventKind.LABELLED, "m/ü", "imp-7", 1_767_225_600_123L, 1.0,
                new long[] {3, -9, Long.MAX_VALUE}, new double[] {1, 1, 1});
        one.fields = new String[] {"site", "app", "Ωfield"};
        TrainingExample two = new TrainingExample("m", null, -5, Double.NaN, new long[] {1, 2}, new double[] {0.5, -0.0});
        two.route = -77; // routed by a field (--route-field): the key selector reads it again after the shuffle
        TrainingExample bare = new TrainingExample();
        int[] bytes = new int[3];
        int i = 0;
        for (TrainingExample t : List.of(one, two, bare)) {
            DataOutputSerializer out = new DataOutputSerializer(64);
            ts.serialize(t, out);
            bytes[i++] = out.length();
            TrainingExample back = ts.deserialize(new TrainingExample(), new DataInputDeserializer(out.getCopyOfBuffer()));
            assertEquals(t.kind, back.kind);
            assertEquals(t.model, back.model);
            assertEquals(t.id, back.id);
            assertEquals(t.ts, back.ts);
            assertEquals(Double.doubleToRawLongBits(t.label), Double.doubleToRawLongBits(back.label));
            assertArrayEquals(t.ids, back.ids);
            assertArrayEquals(t.values, back.values);
            assertArrayEquals(t.fields, back.fields);
            assertEquals(t.route, back.route);
            assertEquals(t.route, ts.copy(t).route);
        }
        DataOutputSerializer withOnes = new DataOutputSerializer(64);
        TrainingExample notOnes = ts.copy(one);
        notOnes.values[2] = 1.0000001;
        ts.serialize(notOnes, withOnes);
        assertEquals(bytes[0] + 24, withOnes.length(), "the values are written once one is not 1");

        TypeSerializer<InputEvent> is = EdgeTypes.INPUT_EVENT.createSerializer(config);
        InputEvent e = new InputEvent().kind(dev.afmflink.data.EventKind.CLICK);
        e.model = "default";
        e.id = "imp-7";
        e.ts = 42;
        e.label = Double.NaN;
        e.topic = "clicks";
        e.partition = 3;
        e.offset = 1L << 40;
        DataOutputSerializer out = new DataOutputSerializer(64);
        is.serialize(e, out);
        InputEvent back = is.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertEquals(List.of(e.kind, e.model, e.id, e.ts, e.topic, e.partition, e.offset),
                List.of(back.kind, back.model, back.id, back.ts, back.topic, back.partition, back.offset));
        assertEquals(null, back.ids);
        e.dead = new DeadLetter("undecodable", "x", "x", "t", 0, 0);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> is.serialize(e, new DataOutputSerializer(8)));

        // the job graph: the route's and the join's outputs, and the join's input, are these types
        StreamSettings s = StreamSettings.builder("127.0.0.1:9", StreamingEndToEndTest.config()).topics("in", "snap", "pred", "dead")
                .groupId("g").checkpoints("/tmp/afm-edge-types", 1000).build();
        var env = org.apache.flink.streaming.api.environment.StreamExecutionEnvironment.getExecutionEnvironment(
                AfmStreamJob.configuration(s));
        AfmStreamJob.build(env, s);
        var graph = env.getStreamGraph();
        int edgeTyped = 0;
        for (var node : graph.getStreamNodes()) {
            if (node.getOperatorName().startsWith("label join") || node.getOperatorName().startsWith("train AFM")) {
                TypeSerializer<?> in = node.getTypeSerializersIn()[0];
                org.junit.jupiter.api.Assertions.assertTrue(in instanceof EdgeTypes.RecordSerializer<?>,
                        node.getOperatorName() + " reads " + in);
                edgeTyped++;
            }
        }
        assertEquals(2, edgeTyped);
        org.junit.jupiter.api.Assertions.assertTrue(env.getConfig().isObjectReuseEnabled(), "no copies between chained operators");
    }
}
