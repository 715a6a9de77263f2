package dev.afmflink.job;

import java.io.IOException;
import java.util.function.Supplier;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The types of the records that cross the job's shuffles (route → label join → trainer), with
 * serializers written for them: Flink's POJO serializer reads and writes each field by reflection
 * with a null flag, and every string through a thread-local buffer; these write the fields in
 * order, leave out feature values that are all 1 (one-hot features, the common case), and always
 * make a new record on reading (a held record is never overwritten, with object reuse on too).
 *
 * <p>Edges only: keyed state keeps its POJO serializers ({@link TrainerState}, {@link JoinState}),
 * which savepoints name; a shuffle's records are in no checkpoint, so these may change freely.
 */
public final class EdgeTypes {
    /** Records between route, label join and trainer. */
    public static final TypeInformation<TrainingExample> TRAINING_EXAMPLE =
            new EdgeType<>(TrainingExample.class, TrainingExampleSerializer::new);
    /** Impressions and clicks from the route to the label join. */
    public static final TypeInformation<InputEvent> INPUT_EVENT = new EdgeType<>(InputEvent.class, InputEventSerializer::new);

    private EdgeTypes() {
    }

    private static final int NO_IDS = 1;
    private static final int NO_VALUES = 2;
    private static final int ONES = 4;
    private static final int NO_FIELDS = 8;
    /** A merger's word ({@link TrainingExample#sync}) follows the field names: never set in what older builds wrote. */
    private static final int SYNC = 16;
    /** The route feature ({@link TrainingExample#route}) follows: set only with {@code --route-field}. */
    private static final int ROUTE = 32;
    /** The replica the route chose ({@link TrainingExample#replica}) follows; with bit 128, the click is a copy. */
    private static final int REPLICA = 64;
    private static final int COPY = 128;

    /** Writes {@code t}'s ids, values and field names (one flags byte says which are absent and whether the values are all 1). */
    private static void writeFeatures(TrainingExample t, DataOutputView out) throws IOException {
        long[] ids = t.ids;
        double[] values = t.values;
        String[] fields = t.fields;
        boolean ones = values != null && allOnes(values);
        out.writeByte((ids == null ? NO_IDS : 0) | (values == null ? NO_VALUES : 0) | (ones ? ONES : 0)
                | (fields == null ? NO_FIELDS : 0) | (t.sync != null ? SYNC : 0)
                | (t.route != dev.afmflink.sync.ReplicaRoute.NONE ? ROUTE : 0) | (t.replica >= 0 ? REPLICA : 0)
                | (t.copy ? COPY : 0));
        if (ids != null) {
            out.writeInt(ids.length);
            for (long id : ids) {
                out.writeLong(id);
            }
        }
        if (values != null) {
            out.writeInt(values.length);
            if (!ones) {
                for (double v : values) {
                    out.writeDouble(v);
                }
            }
        }
        if (fields != null) {
            out.writeInt(fields.length);
            for (String f : fields) {
                writeString(f, out);
            }
        }
        if (t.sync != null) {
            out.writeInt(t.sync.length);
            out.write(t.sync);
        }
        if (t.route != dev.afmflink.sync.ReplicaRoute.NONE) {
            out.writeLong(t.route);
        }
        if (t.replica >= 0) {
            out.writeInt(t.replica);
        }
    }

    /** Reads what {@link #writeFeatures} wrote into {@code t}. */
    private static void readFeatures(DataInputView in, TrainingExample t) throws IOException {
        int flags = in.readByte();
        if ((flags & NO_IDS) == 0) {
            long[] ids = new long[in.readInt()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = in.readLong();
            }
            t.ids = ids;
        }
        if ((flags & NO_VALUES) == 0) {
            double[] values = new double[in.readInt()];
            if ((flags & ONES) != 0) {
                java.util.Arrays.fill(values, 1.0);
            } else {
                for (int i = 0; i < values.length; i++) {
                    values[i] = in.readDouble();
                }
            }
            t.values = values;
        }
        if ((flags & NO_FIELDS) == 0) {
            String[] fields = new String[in.readInt()];
            for (int i = 0; i < fields.length; i++) {
                fields[i] = readString(in);
            }
            t.fields = fields;
        }
        if ((flags & SYNC) != 0) {
            byte[] sync = new byte[in.readInt()];
            in.readFully(sync);
            t.sync = sync;
        }
        if ((flags & ROUTE) != 0) {
            t.route = in.readLong();
        }
        if ((flags & REPLICA) != 0) {
            t.replica = in.readInt();
        }
        t.copy = (flags & COPY) != 0;
    }

    private static boolean allOnes(double[] values) {
        for (double v : values) {
            if (Double.doubleToRawLongBits(v) != Double.doubleToRawLongBits(1.0)) {
                return false;
            }
        }
        return true;
    }

    /** A string or null (EventLimits keeps every string of a record far below writeUTF's 64 KiB). */
    private static void writeString(String s, DataOutputView out) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readString(DataInputView in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    /** The serializer of {@link TrainingExample} records. */
    public static final class TrainingExampleSerializer extends RecordSerializer<TrainingExample> {
        @Override
        public TrainingExample createInstance() {
            return new TrainingExample();
        }

        @Override
        public TrainingExample copy(TrainingExample from) {
            TrainingExample t = new TrainingExample();
            t.kind = from.kind;
            t.model = from.model;
            t.id = from.id;
            t.ts = from.ts;
            t.label = from.label;
            t.ids = from.ids == null ? null : from.ids.clone();
            t.values = from.values == null ? null : from.values.clone();
            t.fields = from.fields == null ? null : from.fields.clone();
            t.topic = from.topic;
            t.partition = from.partition;
            t.offset = from.offset;
            t.sync = from.sync; // never changed once made
            t.route = from.route;
            t.replica = from.replica;
            t.copy = from.copy;
            return t;
        }

        @Override
        public void serialize(TrainingExample t, DataOutputView out) throws IOException {
            out.writeByte(t.kind);
            writeString(t.model, out);
            writeString(t.id, out);
            out.writeLong(t.ts);
            out.writeDouble(t.label);
            writeFeatures(t, out);
            writeString(t.topic, out);
            out.writeInt(t.partition);
            out.writeLong(t.offset);
        }

        @Override
        public TrainingExample deserialize(DataInputView in) throws IOException {
            TrainingExample t = new TrainingExample();
            t.kind = in.readByte();
            t.model = readString(in);
            t.id = readString(in);
            t.ts = in.readLong();
            t.label = in.readDouble();
            readFeatures(in, t);
            t.topic = readString(in);
            t.partition = in.readInt();
            t.offset = in.readLong();
            return t;
        }

        @Override
        public TypeSerializerSnapshot<TrainingExample> snapshotConfiguration() {
            return new TrainingExampleSnapshot();
        }
    }

    /**
     * The serializer of {@link InputEvent} records: as the {@link TrainingExample} of the same fields
     * (a record that could not be decoded never crosses a shuffle).
     */
    public static final class InputEventSerializer extends RecordSerializer<InputEvent> {
        private final TrainingExampleSerializer fields = new TrainingExampleSerializer();

        @Override
        public InputEvent createInstance() {
            return new InputEvent();
        }

        private static TrainingExample asExample(InputEvent e) {
            if (e.dead != null) {
                throw new IllegalArgumentException("a record that could not be decoded is dead-lettered, never shuffled");
            }
            return e.toExample(e.kind(), e.label);
        }

        @Override
        public InputEvent copy(InputEvent from) {
            return InputEvent.of(fields.copy(asExample(from)));
        }

        @Override
        public void serialize(InputEvent e, DataOutputView out) throws IOException {
            fields.serialize(asExample(e), out);
        }

        @Override
        public InputEvent deserialize(DataInputView in) throws IOException {
            return InputEvent.of(fields.deserialize(in));
        }

        @Override
        public TypeSerializerSnapshot<InputEvent> snapshotConfiguration() {
            return new InputEventSnapshot();
        }
    }

    /** What the two record serializers share: mutable records, variable length, a new record on every read. */
    abstract static class RecordSerializer<T> extends TypeSerializerSingleton<T> {
        @Override
        public boolean isImmutableType() {
            return false;
        }

        @Override
        public T copy(T from, T reuse) {
            return copy(from);
        }

        @Override
        public int getLength() {
            return -1;
        }

        /** Never fills {@code reuse}: the trainer holds records it was given, so a read always makes a new one. */
        @Override
        public T deserialize(T reuse, DataInputView in) throws IOException {
            return deserialize(in);
        }

        @Override
        public void copy(DataInputView in, DataOutputView out) throws IOException {
            serialize(deserialize(in), out);
        }
    }

    public static final class TrainingExampleSnapshot extends SimpleTypeSerializerSnapshot<TrainingExample> {
        public TrainingExampleSnapshot() {
            super(TrainingExampleSerializer::new);
        }
    }

    public static final class InputEventSnapshot extends SimpleTypeSerializerSnapshot<InputEvent> {
        public InputEventSnapshot() {
            super(InputEventSerializer::new);
        }
    }

    /** A type whose serializer is one of the above. */
    static final class EdgeType<T> extends TypeInformation<T> {
        private final Class<T> type;
        private final SerializableSupplier<TypeSerializer<T>> serializer;

        interface SerializableSupplier<S> extends Supplier<S>, java.io.Serializable {
        }

        EdgeType(Class<T> type, SerializableSupplier<TypeSerializer<T>> serializer) {
            this.type = type;
            this.serializer = serializer;
        }

        @Override
        public boolean isBasicType() {
            return false;
        }

        @Override
        public boolean isTupleType() {
            return false;
        }

        @Override
        public int getArity() {
            return 1;
        }

        @Override
        public int getTotalFields() {
            return 1;
        }

        @Override
        public Class<T> getTypeClass() {
            return type;
        }

        @Override
        public boolean isKeyType() {
            return false;
        }

        @Override
        public TypeSerializer<T> createSerializer(SerializerConfig config) {
            return serializer.get();
        }

        @Override
        public String toString() {
            return "EdgeType<" + type.getSimpleName() + ">";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof EdgeType<?> e && e.type == type;
        }

        @Override
        public int hashCode() {
            return type.hashCode();
        }

        @Override
        public boolean canEqual(Object o) {
            return o instanceof EdgeType<?>;
        }
    }
}
