package dev.afmflink.model;

/**
 * The parameters every example touches, with their optimizer state and the model's counters:
 * {@code bias = [w0, linear slots]}, {@code attn = [W (t×k, row-major), b (t), h (t), p (k)]},
 * {@code attnSlots} (slot-major, see {@link dev.afmflink.optim.Optimizer}), the number of
 * examples trained, the number of refused (non-finite) updates, and the dropout generator's state.
 */
public final class SharedParams {
    public double[] bias;
    public double[] attn;
    public double[] attnSlots;
    public long examples;
    public long refusedUpdates;
    public long rngState;

    /** For Flink's POJO serializer (this type lives in {@code ValueState}). */
    public SharedParams() {
    }

    public SharedParams(double[] bias, double[] attn, double[] attnSlots, long examples, long refusedUpdates,
                        long rngState) {
        this.bias = bias;
        this.attn = attn;
        this.attnSlots = attnSlots;
        this.examples = examples;
        this.refusedUpdates = refusedUpdates;
        this.rngState = rngState;
    }

    public double w0() {
        return bias[0];
    }

    public SharedParams copy() {
        return new SharedParams(bias.clone(), attn.clone(), attnSlots.clone(), examples, refusedUpdates, rngState);
    }
}
