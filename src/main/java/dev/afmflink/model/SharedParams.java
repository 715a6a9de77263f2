package dev.afmflink.model;

/**
 * The parameters every example touches, with their optimizer state and the model's counters:
 * {@code bias = [w0, linear slots]} (double in both precisions: w0 takes every example's gradient),
 * the attention block {@code [W (t×k, row-major), b (t), h (t), p (k)]} and its slots (slot-major,
 * see {@link dev.afmflink.optim.Optimizer}) in {@link #attn}/{@link #attnSlots} for a float64 model
 * or {@link #attn32}/{@link #attnSlots32} for a float32 one (the other pair null), the number of
 * examples trained, the number of refused (non-finite) updates, and the dropout generator's state.
 */
public final class SharedParams {
    public double[] bias;
    public double[] attn;
    public double[] attnSlots;
    public float[] attn32;
    public float[] attnSlots32;
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

    public SharedParams(double[] bias, float[] attn32, float[] attnSlots32, long examples, long refusedUpdates,
                        long rngState) {
        this.bias = bias;
        this.attn32 = attn32;
        this.attnSlots32 = attnSlots32;
        this.examples = examples;
        this.refusedUpdates = refusedUpdates;
        this.rngState = rngState;
    }

    public double w0() {
        return bias[0];
    }

    public boolean isFloat32() {
        return attn32 != null;
    }

    /** The precision the attention block is kept in. */
    public Precision precision() {
        return attn32 != null ? Precision.FLOAT32 : Precision.FLOAT64;
    }

    /** Length of the attention block. */
    public int attnSize() {
        return attn32 != null ? attn32.length : attn.length;
    }

    /** Same precision and the same bits in every array and counter. */
    public boolean sameAs(SharedParams o) {
        return o != null && java.util.Arrays.equals(bias, o.bias) && java.util.Arrays.equals(attn, o.attn)
                && java.util.Arrays.equals(attnSlots, o.attnSlots) && java.util.Arrays.equals(attn32, o.attn32)
                && java.util.Arrays.equals(attnSlots32, o.attnSlots32);
    }

    public SharedParams copy() {
        SharedParams c = new SharedParams(bias.clone(), attn == null ? null : attn.clone(),
                attnSlots == null ? null : attnSlots.clone(), examples, refusedUpdates, rngState);
        c.attn32 = attn32 == null ? null : attn32.clone();
        c.attnSlots32 = attnSlots32 == null ? null : attnSlots32.clone();
        return c;
    }
}
