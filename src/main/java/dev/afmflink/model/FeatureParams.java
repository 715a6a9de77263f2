package dev.afmflink.model;

/**
 * The parameters of one feature and their optimizer state, in one array so that it is cheap to
 * keep in a map, in Flink's {@code MapState} and on disk:
 * {@code [w, v_0 … v_{k−1}, linear slots (sL), embedding slots (sE·k)]}, in {@link #data} for a
 * float64 model or in {@link #data32} for a float32 one (exactly one of the two is set: the other
 * is null and costs one byte in Flink state).
 * {@code lastUpdate} is the event time (or example index offline) of the last update: data for
 * expiry, never an input of the math.
 *
 * <p>A Flink POJO (public no-argument constructor, public fields), so Flink state serializes it
 * with its own POJO and primitive-array serializers, never with generic Kryo.
 */
public final class FeatureParams {
    public double[] data;
    public float[] data32;
    public long lastUpdate;

    public FeatureParams() {
    }

    public FeatureParams(double[] data, long lastUpdate) {
        this.data = data;
        this.lastUpdate = lastUpdate;
    }

    public FeatureParams(float[] data32, long lastUpdate) {
        this.data32 = data32;
        this.lastUpdate = lastUpdate;
    }

    /** A zeroed row of {@code size} values in precision {@code p}. */
    public static FeatureParams zeros(Precision p, int size, long lastUpdate) {
        return p == Precision.FLOAT32 ? new FeatureParams(new float[size], lastUpdate) : new FeatureParams(new double[size], lastUpdate);
    }

    public boolean isFloat32() {
        return data32 != null;
    }

    /** The precision the row is kept in (which of its two arrays is set). */
    public Precision precision() {
        return data32 != null ? Precision.FLOAT32 : Precision.FLOAT64;
    }

    /** Number of values in the row. */
    public int size() {
        return data32 != null ? data32.length : data.length;
    }

    /** Same precision, same bits, same last update. */
    public boolean sameAs(FeatureParams o) {
        return o != null && lastUpdate == o.lastUpdate && java.util.Arrays.equals(data, o.data)
                && java.util.Arrays.equals(data32, o.data32);
    }

    /** Same precision and parameter bits (the last update aside). */
    public boolean sameValues(FeatureParams o) {
        return o != null && java.util.Arrays.equals(data, o.data) && java.util.Arrays.equals(data32, o.data32);
    }

    public FeatureParams copy() {
        FeatureParams c = new FeatureParams();
        c.data = data == null ? null : data.clone();
        c.data32 = data32 == null ? null : data32.clone();
        c.lastUpdate = lastUpdate;
        return c;
    }
}
