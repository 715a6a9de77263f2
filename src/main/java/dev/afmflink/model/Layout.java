package dev.afmflink.model;

/** Offsets into {@link FeatureParams#data} and {@link SharedParams#attn} for one configuration. */
public final class Layout {
    public final int k;
    public final int t;
    /** attention block: W at 0, b, h, p */
    public final int offB;
    public final int offH;
    public final int offP;
    public final int attnSize;
    /** slots per coordinate of each group */
    public final int linearSlots;
    public final int embeddingSlots;
    public final int attentionSlots;
    /** feature row: w at 0, v at 1, linear slots at {@code offLinearSlots}, embedding slots after */
    public final int offLinearSlots;
    public final int offEmbeddingSlots;
    public final int rowSize;

    public Layout(AfmConfig c) {
        k = c.k();
        t = c.t();
        offB = t * k;
        offH = offB + t;
        offP = offH + t;
        attnSize = offP + k;
        linearSlots = c.linear().slotsPerCoordinate();
        embeddingSlots = c.embedding().slotsPerCoordinate();
        attentionSlots = c.attention().slotsPerCoordinate();
        offLinearSlots = 1 + k;
        offEmbeddingSlots = offLinearSlots + linearSlots;
        rowSize = offEmbeddingSlots + embeddingSlots * k;
    }
}
