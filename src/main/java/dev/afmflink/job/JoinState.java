package dev.afmflink.job;

/**
 * The label join's state for one impression id: the impression waiting for its click (and, once
 * labelled, kept until its window ends so duplicates are recognised), a click that came before
 * its impression, held until the watermark passes the click's time, or, for one more window after
 * the impression's window closed, a tombstone holding only the impression's time. A Flink POJO.
 */
public class JoinState {
    /** The impression (null while only a click is held). */
    public InputEvent impression;
    /** A click whose impression has not arrived yet (null otherwise). */
    public InputEvent heldClick;
    /** The impression has been emitted with label 1. */
    public boolean clicked;
    /** The impression's time, once its window has closed (then only this is kept: a tombstone). */
    public long impressionTs;

    public JoinState() {
    }

    /** The impression's window has closed: neither an impression nor a held click is kept. */
    boolean isTombstone() {
        return impression == null && heldClick == null;
    }
}
