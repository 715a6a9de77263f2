package dev.afmflink.data;

import dev.afmflink.model.Example;

/**
 * One decoded input record (docs/events.md): a labelled example, an impression (features, no
 * label yet) or a click (the id of an impression). Features are already hashed to 64-bit ids
 * and normalized; {@code label} is NaN for impressions and clicks.
 *
 * @param type     example, impression or click ({@link EventKind})
 * @param id       the event's id (for a click: the impression's id)
 * @param ts       event time, epoch milliseconds
 * @param model    the model key ("default" when the event names none)
 * @param label    the label (examples only)
 * @param features the features (examples and impressions; null for clicks)
 */
public record Event(EventKind type, String id, long ts, String model, double label, Example features) {

    public static final String DEFAULT_MODEL = "default";
}
