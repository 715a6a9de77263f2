package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.SharedParams;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The hand-written state serializers: every bit back (NaN payloads, −0, subnormals), copy, and their snapshots. */
class ParamsSerializersTest {
    static final double[] ODD = {0.5, -0.0, Double.MIN_VALUE, Double.longBitsToDouble(0x7ff8000000000123L), -1e300, 3};

    static long[] bits(double[] a) {
        long[] b = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Double.doubleToRawLongBits(a[i]);
        }
        return b;
    }

    @Test
    void featureParamsComeBackBitForBit() throws Exception {
        var s = ParamsSerializers.FeatureParamsSerializer.INSTANCE;
        DataOutputSerializer out = new DataOutputSerializer(8);
        s.serialize(new FeatureParams(ODD, 42), out);
        s.serialize(new FeatureParams((double[]) null, -7), out);
        float[] odd32 = {0.5f, -1e-40f, Float.MIN_VALUE, Float.NaN, -0.0f};
        s.serialize(new FeatureParams(odd32, 9), out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        FeatureParams a = s.deserialize(in);
        FeatureParams b = s.deserialize(in);
        FeatureParams c = s.deserialize(in);
        assertTrue(c.sameAs(new FeatureParams(odd32, 9)), "a float32 row, bit for bit");
        assertNull(c.data);
        assertArrayEquals(bits(ODD), bits(a.data));
        assertEquals(42, a.lastUpdate);
        assertNull(b.data);
        assertEquals(-7, b.lastUpdate);
        assertEquals(0, in.available());
        // copy between views = serialize of the deserialized record
        DataOutputSerializer copied = new DataOutputSerializer(8);
        s.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
        int first = 4 + ODD.length * 8 + 4 + 8;
        int second = 4 + 4 + 8;
        s.copy(new DataInputDeserializer(out.getCopyOfBuffer(), first, second), copied);
        s.copy(new DataInputDeserializer(out.getCopyOfBuffer(), first + second, 4 + 4 + odd32.length * 4 + 8), copied);
        assertArrayEquals(out.getCopyOfBuffer(), copied.getCopyOfBuffer());
    }

    @Test
    void sharedParamsComeBackBitForBit() throws Exception {
        var s = ParamsSerializers.SharedParamsSerializer.INSTANCE;
        SharedParams p = new SharedParams(new double[] {1, 2, 3}, ODD, ODD.clone(), 5, 6, 0x1234567890abcdefL);
        DataOutputSerializer out = new DataOutputSerializer(8);
        s.serialize(p, out);
        SharedParams back = s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertArrayEquals(bits(p.bias), bits(back.bias));
        assertArrayEquals(bits(p.attn), bits(back.attn));
        assertArrayEquals(bits(p.attnSlots), bits(back.attnSlots));
        assertEquals(5, back.examples);
        assertEquals(6, back.refusedUpdates);
        assertEquals(0x1234567890abcdefL, back.rngState);
        DataOutputSerializer copied = new DataOutputSerializer(8);
        s.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
        assertArrayEquals(out.getCopyOfBuffer(), copied.getCopyOfBuffer());
    }

    @Test
    void snapshotsRestoreTheSameSerializer() throws Exception {
        for (var s : java.util.List.of(ParamsSerializers.FeatureParamsSerializer.INSTANCE,
                ParamsSerializers.SharedParamsSerializer.INSTANCE)) {
            TypeSerializerSnapshot<?> snap = s.snapshotConfiguration();
            DataOutputSerializer out = new DataOutputSerializer(8);
            TypeSerializerSnapshot.writeVersionedSnapshot(out, snap);
            TypeSerializerSnapshot<Object> back = TypeSerializerSnapshot.readVersionedSnapshot(
                    new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
            assertTrue(back.restoreSerializer() == s);
            @SuppressWarnings("unchecked")
            TypeSerializerSnapshot<Object> fresh = (TypeSerializerSnapshot<Object>) s.snapshotConfiguration();
            TypeSerializerSchemaCompatibility<Object> c = fresh.resolveSchemaCompatibility(back);
            assertTrue(c.isCompatibleAsIs());
        }
    }
}
