package dev.afmflink.model;

/**
 * The parameters of one feature and their optimizer state, in one array so that it is cheap to
 * keep in a map, in Flink's {@code MapState} and on disk:
 * {@code data = [w, v_0 … v_{k−1}, linear slots (sL), embedding slots (sE·k)]}.
 * {@code lastUpdate} is the event time (or example index offline) of the last update: data for
 * expiry, never an input of the math.
 *
 * <p>A Flink POJO (public no-argument constructor, public fields), so Flink state serializes it
 * with its own POJO and primitive-array serializers, never with generic Kryo.
 */
public final class FeatureParams {
    public double[] data;
    public long lastUpdate;

    public FeatureParams() {
    }

    public FeatureParams(double[] data, long lastUpdate) {
        this.data = data;
        this.lastUpdate = lastUpdate;
    }

    public FeatureParams copy() {
        return new FeatureParams(data.clone(), lastUpdate);
    }
}
