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
            JoinState.class, MetricsRecord.class, dev.afmflink.metrics.ProgressiveWindow.class);

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
}
