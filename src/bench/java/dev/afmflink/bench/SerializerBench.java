package dev.afmflink.bench;

import dev.afmflink.job.InputEvent;
import dev.afmflink.job.JoinState;
import dev.afmflink.job.ParamsSerializers;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmLearner;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.Loss;
import dev.afmflink.model.SharedParams;
import dev.afmflink.optim.OptimizerSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.results.RunResult;

/**
 * {@code bin/afm serializer-bench}: the hot-path state types — a feature row ({@link FeatureParams}
 * at the logistic defaults' row of k = 16 and k = 64), the shared block ({@link SharedParams} at
 * k = t = 16 and 64) and the label join's state ({@link JoinState}) — through Flink's POJO
 * serializer (what the job uses), Kryo with the classes registered, and the hand-written
 * serializers of {@link ParamsSerializers}: bytes per record, and serialize / deserialize time
 * measured with JMH (what RocksDB state pays on every write and read).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SerializerBench {
    /** The records measured. */
    public static final List<String> RECORDS = List.of("feature-k16", "feature-k64", "feature32-k64", "shared-k16", "shared-k64",
            "shared32-k64", "join-state");
    public static final List<String> SERIALIZERS = List.of("pojo", "kryo", "own");

    @Param({"feature-k16", "feature-k64", "feature32-k64", "shared-k16", "shared-k64", "shared32-k64", "join-state"})
    public String record;
    @Param({"pojo", "kryo", "own"})
    public String serializer;

    private TypeSerializer<Object> s;
    private Object value;
    private DataOutputSerializer out;
    private byte[] bytes;
    private DataInputDeserializer in;

    /** The logistic defaults at k = t; "…32-…" records are float32 models. */
    static AfmConfig config(String record) {
        int k = record.endsWith("16") ? 16 : 64;
        return new AfmConfig(k, k, Loss.LOGISTIC, 0, 0, 0, 1, 0.1, 1, OptimizerSpec.ftrl(0.1, 1, 0.5, 0),
                OptimizerSpec.adagrad(0.05, 1e-8), OptimizerSpec.adagrad(0.05, 1e-8),
                record.contains("32-") ? dev.afmflink.model.Precision.FLOAT32 : dev.afmflink.model.Precision.FLOAT64);
    }

    /** A record of kind {@code record} (null if there is none for the serializer: no own serializer for the join state). */
    static Object value(String record) {
        switch (record) {
            case "feature-k16", "feature-k64", "feature32-k64" -> {
                AfmLearner l = new AfmLearner(config(record));
                FeatureParams f = l.newFeature(123456789L, 1_767_225_600_000L);
                for (int i = 0; i < f.size(); i++) { // slots and weights away from their initial values
                    if (f.data32 != null) {
                        f.data32[i] += i * 1e-3f;
                    } else {
                        f.data[i] += i * 1e-3;
                    }
                }
                return f;
            }
            case "shared-k16", "shared-k64", "shared32-k64" -> {
                return new AfmLearner(config(record)).newShared();
            }
            case "join-state" -> {
                InputEvent imp = new InputEvent();
                imp.kind(dev.afmflink.data.EventKind.IMPRESSION);
                imp.id = "imp-000123456";
                imp.model = "default";
                imp.topic = "afm-input";
                imp.ts = 1_767_225_600_000L;
                imp.label = Double.NaN;
                imp.ids = new long[] {11, 22, 33, 44, 55, 66, 77, 88};
                imp.values = new double[] {1, 1, 1, 1, 1, 1, 1, 1};
                imp.fields = new String[] {"user", "ad", "site", "hour", "device", "os", "city", "slot"};
                JoinState j = new JoinState();
                j.impression = imp;
                return j;
            }
            default -> throw new IllegalArgumentException(record);
        }
    }

    @SuppressWarnings("unchecked")
    static TypeSerializer<Object> serializer(String serializer, Class<?> type) {
        return (TypeSerializer<Object>) switch (serializer) {
            case "pojo" -> TypeInformation.of(type).createSerializer(new SerializerConfigImpl());
            case "kryo" -> {
                SerializerConfigImpl cfg = new SerializerConfigImpl();
                cfg.registerKryoType(type);
                for (Class<?> c : new Class<?>[] {InputEvent.class, double[].class, float[].class, long[].class, String[].class}) {
                    cfg.registerKryoType(c);
                }
                yield new KryoSerializer<>(type, cfg);
            }
            case "own" -> type == FeatureParams.class ? ParamsSerializers.FeatureParamsSerializer.INSTANCE
                    : type == SharedParams.class ? ParamsSerializers.SharedParamsSerializer.INSTANCE : null;
            default -> throw new IllegalArgumentException(serializer);
        };
    }

    @Setup
    public void setup() throws IOException {
        value = value(record);
        s = serializer(serializer, value.getClass());
        if (s == null) { // no own serializer for this type: measure the POJO one again, reported as "-"
            s = serializer("pojo", value.getClass());
        }
        out = new DataOutputSerializer(1 << 17);
        s.serialize(value, out);
        bytes = out.getCopyOfBuffer();
        in = new DataInputDeserializer();
    }

    @Benchmark
    public int serialize() throws IOException {
        out.clear();
        s.serialize(value, out);
        return out.length();
    }

    @Benchmark
    public Object deserialize() throws IOException {
        in.setBuffer(bytes);
        return s.deserialize(in);
    }

    /** Runs the JMH benchmarks and prints the table. */
    public static void run(int forks, int warmupIterations, int iterations, double iterationSeconds, PrintStream out)
            throws Exception {
        java.util.Map<String, double[]> ns = new java.util.HashMap<>(); // record/serializer -> {ser, ser err, deser, deser err}
        for (RunResult r : Jmh.run(SerializerBench.class, forks, warmupIterations, iterations, iterationSeconds)) {
            String rec = r.getParams().getParam("record");
            String ser = r.getParams().getParam("serializer");
            double[] v = ns.computeIfAbsent(rec + "/" + ser, x -> new double[4]);
            int at = r.getParams().getBenchmark().endsWith("deserialize") ? 2 : 0;
            v[at] = r.getPrimaryResult().getScore();
            v[at + 1] = r.getPrimaryResult().getScoreError();
        }
        out.printf(Locale.ROOT, "%n%-12s %-5s %10s %22s %22s%n", "record", "with", "bytes", "serialize ns (± 99.9%)",
                "deserialize ns (± 99.9%)");
        for (String rec : RECORDS) {
            for (String ser : SERIALIZERS) {
                Object v = value(rec);
                TypeSerializer<Object> s = serializer(ser, v.getClass());
                double[] t = ns.get(rec + "/" + ser);
                if (s == null || t == null) {
                    out.printf(Locale.ROOT, "%-12s %-5s %10s %22s %22s%n", rec, ser, "-", "-", "-");
                    continue;
                }
                DataOutputSerializer o = new DataOutputSerializer(1 << 17);
                s.serialize(v, o);
                out.printf(Locale.ROOT, "%-12s %-5s %,10d %,14.0f ± %,5.0f %,14.0f ± %,5.0f%n", rec, ser, o.length(), t[0], t[1],
                        t[2], t[3]);
            }
        }
    }
}
