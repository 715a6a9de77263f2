package dev.afmflink.data;

/**
 * The kind of an event along the whole path, the one home of its names and codes: what the
 * decoder reads ({@code "type"} of docs/events.md), what the source emits, what the join turns an
 * impression into, what the trainer holds. {@link #LABELLED} is an impression with the label the
 * join gave it; it never comes from outside. The byte {@link #code} is what Flink state holds (the
 * records of the join and the trainer): never renumber one.
 */
public enum EventKind {
    /** A labelled example: trained on, judged by the prediction made just before. */
    EXAMPLE(0, "example"),
    /** An impression whose label is not known yet: scored, its score kept until the label comes. */
    IMPRESSION(1, "impression"),
    /** An impression with its label from the join: trained on, judged by its score at arrival. */
    LABELLED(2, null),
    /** A click: the id of its impression. */
    CLICK(3, "click");

    /** The code in state (and in every record of the job's types). */
    public final byte code;
    /** The name in an event's {@code "type"} (null: not an input kind). */
    private final String wireName;

    EventKind(int code, String wireName) {
        this.code = (byte) code;
        this.wireName = wireName;
    }

    /** The name in an event's {@code "type"}. */
    public String wireName() {
        if (wireName == null) {
            throw new IllegalStateException(this + " is not an input kind");
        }
        return wireName;
    }

    /** The input kind named {@code name} in an event's {@code "type"}, or null. */
    public static EventKind ofWireName(String name) {
        for (EventKind k : VALUES) { // not values(): an array per call, one per decoded event
            if (name.equals(k.wireName)) {
                return k;
            }
        }
        return null;
    }

    /** The kind of a code in state. */
    public static EventKind of(byte code) {
        if (code < 0 || code >= VALUES.length || VALUES[code].code != code) {
            throw new IllegalArgumentException("no event kind has code " + code);
        }
        return VALUES[code];
    }

    private static final EventKind[] VALUES = values();
}
