package dev.afmflink.job;

import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.SharedParams;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Hand-written Flink serializers for the model's state types, over their primitive arrays: an
 * array is written as its length and one block of big-endian bytes (one bounds check and copy,
 * not one call per double). Measured against Flink's POJO serializer (what the job uses) and Kryo
 * with registered classes by {@code bin/afm serializer-bench}; docs/benchmarks.md says which the
 * job keeps and why.
 */
public final class ParamsSerializers {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private ParamsSerializers() {
    }

    static void writeDoubles(double[] a, DataOutputView out) throws IOException {
        if (a == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(a.length);
        byte[] b = new byte[a.length * 8];
        for (int i = 0; i < a.length; i++) {
            LONGS.set(b, i * 8, Double.doubleToRawLongBits(a[i]));
        }
        out.write(b);
    }

    static double[] readDoubles(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n * 8];
        in.readFully(b);
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = Double.longBitsToDouble((long) LONGS.get(b, i * 8));
        }
        return a;
    }

    static void writeFloats(float[] a, DataOutputView out) throws IOException {
        if (a == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(a.length);
        byte[] b = new byte[a.length * 4];
        for (int i = 0; i < a.length; i++) {
            INTS.set(b, i * 4, Float.floatToRawIntBits(a[i]));
        }
        out.write(b);
    }

    static float[] readFloats(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n * 4];
        in.readFully(b);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = Float.intBitsToFloat((int) INTS.get(b, i * 4));
        }
        return a;
    }

    /** Copies one array of {@code width}-byte values (a length, then its bytes; −1 for null). */
    static void copyArray(DataInputView in, DataOutputView out, int width) throws IOException {
        int n = in.readInt();
        out.writeInt(n);
        if (n > 0) {
            byte[] b = new byte[n * width];
            in.readFully(b);
            out.write(b);
        }
    }

    /** What both serializers share: mutable records of variable length, never reused on read. */
    abstract static class ArraysSerializer<T> extends TypeSerializerSingleton<T> {
        @Override
        public boolean isImmutableType() {
            return false;
        }

        @Override
        public int getLength() {
            return -1;
        }

        @Override
        public T copy(T from, T reuse) {
            return copy(from);
        }

        @Override
        public T deserialize(T reuse, DataInputView in) throws IOException {
            return deserialize(in);
        }
    }

    /** {@link FeatureParams}: the float64 row, the float32 row (one of them null), then the last update. */
    public static final class FeatureParamsSerializer extends ArraysSerializer<FeatureParams> {
        public static final FeatureParamsSerializer INSTANCE = new FeatureParamsSerializer();

        @Override
        public FeatureParams createInstance() {
            return new FeatureParams();
        }

        @Override
        public FeatureParams copy(FeatureParams from) {
            return from.copy();
        }

        @Override
        public void serialize(FeatureParams f, DataOutputView out) throws IOException {
            writeDoubles(f.data, out);
            writeFloats(f.data32, out);
            out.writeLong(f.lastUpdate);
        }

        @Override
        public FeatureParams deserialize(DataInputView in) throws IOException {
            FeatureParams f = new FeatureParams();
            f.data = readDoubles(in);
            f.data32 = readFloats(in);
            f.lastUpdate = in.readLong();
            return f;
        }

        @Override
        public void copy(DataInputView in, DataOutputView out) throws IOException {
            copyArray(in, out, 8);
            copyArray(in, out, 4);
            out.writeLong(in.readLong());
        }

        @Override
        public TypeSerializerSnapshot<FeatureParams> snapshotConfiguration() {
            return new FeatureParamsSnapshot();
        }

        /** Its snapshot (no configuration). */
        public static final class FeatureParamsSnapshot extends SimpleTypeSerializerSnapshot<FeatureParams> {
            public FeatureParamsSnapshot() {
                super(() -> INSTANCE);
            }
        }
    }

    /** {@link SharedParams}: bias, attention and its slots in float64, then in float32 (one pair null), then the three counters. */
    public static final class SharedParamsSerializer extends ArraysSerializer<SharedParams> {
        public static final SharedParamsSerializer INSTANCE = new SharedParamsSerializer();

        @Override
        public SharedParams createInstance() {
            return new SharedParams();
        }

        @Override
        public SharedParams copy(SharedParams from) {
            return from.copy();
        }

        @Override
        public void serialize(SharedParams s, DataOutputView out) throws IOException {
            writeDoubles(s.bias, out);
            writeDoubles(s.attn, out);
            writeDoubles(s.attnSlots, out);
            writeFloats(s.attn32, out);
            writeFloats(s.attnSlots32, out);
            out.writeLong(s.examples);
            out.writeLong(s.refusedUpdates);
            out.writeLong(s.rngState);
        }

        @Override
        public SharedParams deserialize(DataInputView in) throws IOException {
            double[] bias = readDoubles(in);
            double[] attn = readDoubles(in);
            double[] slots = readDoubles(in);
            float[] attn32 = readFloats(in);
            float[] slots32 = readFloats(in);
            SharedParams s = new SharedParams(bias, attn, slots, in.readLong(), in.readLong(), in.readLong());
            s.attn32 = attn32;
            s.attnSlots32 = slots32;
            return s;
        }

        @Override
        public void copy(DataInputView in, DataOutputView out) throws IOException {
            copyArray(in, out, 8);
            copyArray(in, out, 8);
            copyArray(in, out, 8);
            copyArray(in, out, 4);
            copyArray(in, out, 4);
            out.writeLong(in.readLong());
            out.writeLong(in.readLong());
            out.writeLong(in.readLong());
        }

        @Override
        public TypeSerializerSnapshot<SharedParams> snapshotConfiguration() {
            return new SharedParamsSnapshot();
        }

        /** Its snapshot (no configuration). */
        public static final class SharedParamsSnapshot extends SimpleTypeSerializerSnapshot<SharedParams> {
            public SharedParamsSnapshot() {
                super(() -> INSTANCE);
            }
        }
    }
}
