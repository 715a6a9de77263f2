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
}
