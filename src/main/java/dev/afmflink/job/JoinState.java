package dev.afmflink.job;

/**
 * The label join's state for one impression id: the impression waiting for its click (and, once
 * labelled, kept until its window ends so duplicates are recognised), or a click that came before
 * its impression, held until the watermark passes the click's time. A Flink POJO.
 */
public class JoinState {
    /** The impression (null while only a click is held). */
    public InputEvent impression;
    /** A click whose impression has not arrived yet (null otherwise). */
    public InputEvent heldClick;
    /** The impression has been emitted with label 1. */
    public boolean clicked;
    /** A tombstone: the window has closed; only the impression's time is kept. */
    public boolean closed;
    public long impressionTs;

    public JoinState() {
    }
}
