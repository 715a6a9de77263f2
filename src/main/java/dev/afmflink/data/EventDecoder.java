package dev.afmflink.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import java.nio.charset.StandardCharsets;

/**
 * Decodes one Kafka record (UTF-8) into an {@link Event}, or says exactly why it cannot: every
 * failure is a {@link BadEventException} whose {@link BadEventException#reason()} is one of a
 * small set of reason codes (for dead-letter counting) and whose message has the detail. Every
 * limit of {@link EventLimits} is checked here, so a record that would make the job or a server
 * fail (a key no folder can hold, features whose pairs do not fit in memory, a time far in the
 * future) never gets past decoding. The model server validates the events of a request here too
 * ({@link #scoringEvent}): the same event gets the same verdict and reason in both.
 *
 * <p>A record starting with '{' is a JSON event; anything else is read as a libfm line
 * ({@code label id:value ...}, an example for the default model, id = its offset string given
 * by the caller, ts = the record timestamp).
 */
public final class EventDecoder {
    /** Dead-letter reason codes (docs/events.md, "Dead letters"): the decoder's and the trainer's. */
    public static final String UNDECODABLE = "undecodable";
    public static final String MISSING_FIELD = "missing_field";
    public static final String WRONG_TYPE = "wrong_type";
    public static final String NON_FINITE = "non_finite";
    public static final String LABEL_OUT_OF_RANGE = "label_out_of_range";
    public static final String EMPTY_FEATURES = "empty_features";
    public static final String OVERSIZE = "oversize";
    public static final String TOO_MANY_FEATURES = "too_many_features";
    public static final String TOO_LONG = "too_long";
    public static final String BAD_MODEL_KEY = "bad_model_key";
    public static final String TS_OUT_OF_RANGE = "ts_out_of_range";
    /** The label join's (job.LabelJoin): an impression behind the watermark, a click with no impression, one too late. */
    public static final String LATE_IMPRESSION = "late_impression";
    public static final String UNKNOWN_CLICK = "unknown_click";
    public static final String EXPIRED_CLICK = "expired_click";
    /** The trainer's last line of defence: training or scoring one example threw (the model is as before it). */
    public static final String TRAIN_FAILED = "train_failed";
    /** A record on the synchronization topic (one model on several trainers) that is no change of this job's replicas. */
    public static final String BAD_SYNC_RECORD = "bad_sync_record";

    /** Every reason a record can be refused for, by the decoder, the label join or the trainer. */
    public static final java.util.List<String> REASONS = java.util.List.of(UNDECODABLE, MISSING_FIELD, WRONG_TYPE,
            NON_FINITE, LABEL_OUT_OF_RANGE, EMPTY_FEATURES, OVERSIZE, TOO_MANY_FEATURES, TOO_LONG, BAD_MODEL_KEY,
            TS_OUT_OF_RANGE, LATE_IMPRESSION, UNKNOWN_CLICK, EXPIRED_CLICK, TRAIN_FAILED, BAD_SYNC_RECORD);

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS); // so NaN/Infinity get a precise reason

    private final Loss loss;
    private final int maxBytes;
    private final EventLimits limits;
    private final java.util.function.LongSupplier clock;
    /** The strings of the names, types and models this decoder has read (one string per name from record to record). */
    private final EventBytes.Names names = new EventBytes.Names();
    /** False: every JSON record is read by Jackson (the decode bench's baseline). */
    private boolean simpleJson = true;

    /** {@code maxBytes}: records longer than this are refused as oversize; the default limits otherwise. */
    public EventDecoder(Loss loss, int maxBytes) {
        this(loss, maxBytes, EventLimits.DEFAULT, System::currentTimeMillis);
    }

    /**
     * @param clock wall-clock ms, read only for {@link EventLimits#maxTsAheadMs} (the one check that
     *              depends on when a record is decoded)
     */
    public EventDecoder(Loss loss, int maxBytes, EventLimits limits, java.util.function.LongSupplier clock) {
        this.loss = loss;
        this.maxBytes = maxBytes;
        this.limits = limits;
        this.clock = clock;
    }

    /** This decoder, reading every JSON record with Jackson's parser (for the decode bench's side by side). */
    EventDecoder jacksonOnly() {
        simpleJson = false;
        return this;
    }

    public EventLimits limits() {
        return limits;
    }

    /** A record that cannot be used, with its reason code. */
    public static final class BadEventException extends Exception {
        private final String reason;

        public BadEventException(String reason, String detail) {
            super(reason + ": " + detail);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    public Event decode(byte[] raw, String fallbackId, long fallbackTs) throws BadEventException {
        return decode(raw, () -> fallbackId, fallbackTs);
    }

    /** {@code fallbackId}: made only for a libfm line (a JSON event has its own id). */
    public Event decode(byte[] raw, java.util.function.Supplier<String> fallbackId, long fallbackTs) throws BadEventException {
        if (raw == null || raw.length == 0) {
            throw new BadEventException(UNDECODABLE, "empty record");
        }
        if (raw.length > maxBytes) {
            throw new BadEventException(OVERSIZE, raw.length + " bytes > limit " + maxBytes);
        }
        int first = 0;
        while (first < raw.length && Character.isWhitespace(raw[first])) {
            first++;
        }
        if (first < raw.length && raw[first] == '{') {
            return decodeJson(raw);
        }
        Example ex = new Example();
        String line = new String(raw, StandardCharsets.UTF_8).strip();
        String reason = LibfmLine.parse(line, loss, ex);
        if (reason != null) {
            String code = reason.contains("outside") ? LABEL_OUT_OF_RANGE
                    : reason.contains("not finite") ? NON_FINITE : UNDECODABLE;
            throw new BadEventException(code, "libfm line: " + reason);
        }
        if (ex.size == 0) {
            throw new BadEventException(EMPTY_FEATURES, "libfm line has no non-zero feature");
        }
        checkFeatureCount(ex.size, limits);
        checkTime(fallbackTs, "record timestamp");
        return new Event(EventKind.EXAMPLE, fallbackId.get(), fallbackTs, Event.DEFAULT_MODEL, ex.label, ex);
    }

    /** A JSON record: in the events' usual shape read from its bytes, else by Jackson's parser in one pass (no tree). */
    private Event decodeJson(byte[] raw) throws BadEventException {
        EventFields root = simpleJson ? EventBytes.read(raw, names) : null;
        return event(root != null ? root : readJackson(raw), false);
    }

    /** Jackson's reading of a JSON record (every record {@link EventBytes#read} leaves). */
    static EventFields readJackson(byte[] raw) throws BadEventException {
        EventFields root;
        try (JsonParser p = JSON.getFactory().createParser(raw)) {
            root = EventFields.read(p);
        } catch (JsonProcessingException e) {
            throw new BadEventException(UNDECODABLE, "not JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException | RuntimeException e) { // Jackson's own limits (nesting, number length) included
            throw new BadEventException(UNDECODABLE, "not JSON: " + e.getMessage());
        }
        return root;
    }

    /**
     * One event of a scoring request (the model server, {@code score}, {@code explain}): the job's
     * rules and limits, but {@code type} (not {@code click}), {@code id}, {@code ts}, {@code model}
     * and {@code label} may be left out; a field that is given must be what the job accepts.
     */
    public Event scoringEvent(JsonNode root) throws BadEventException {
        return event(EventFields.of(root), true);
    }

    private Event event(EventFields root, boolean scoring) throws BadEventException {
        if (root == null) {
            throw new BadEventException(UNDECODABLE, "not a JSON object");
        }
        String typeName = text(root.type, "type", !scoring, limits.maxNameChars());
        EventKind type = typeName == null ? EventKind.IMPRESSION : EventKind.ofWireName(typeName);
        if (type == null) {
            throw new BadEventException(WRONG_TYPE, "unknown event type '" + typeName + "'");
        }
        if (scoring && type == EventKind.CLICK) {
            throw new BadEventException(WRONG_TYPE, "a click has no features to score");
        }
        String id = text(root.id, "id", !scoring, limits.maxIdChars());
        EventFields.Value tsValue = root.ts;
        long ts = 0;
        if (tsValue == null || tsValue.kind() == EventFields.Kind.NULL) {
            if (!scoring) {
                throw new BadEventException(MISSING_FIELD, "ts");
            }
        } else {
            if (tsValue.kind() != EventFields.Kind.INTEGER) {
                throw new BadEventException(WRONG_TYPE, "ts must be an integer (epoch ms)");
            }
            ts = tsValue.longValue();
            checkTime(ts, "ts");
        }
        String model = root.model != null ? text(root.model, "model", true, Integer.MAX_VALUE) : Event.DEFAULT_MODEL;
        String badKey = limits.badModelKey(model);
        if (badKey != null) {
            throw new BadEventException(BAD_MODEL_KEY, badKey);
        }
        if (type == EventKind.CLICK) {
            return new Event(type, id, ts, model, Double.NaN, clickFeatures(root));
        }
        double label = Double.NaN;
        EventFields.Value l = root.label;
        boolean given = l != null && l.kind() != EventFields.Kind.NULL;
        if (type == EventKind.EXAMPLE || (scoring && given)) {
            if (!given) {
                throw new BadEventException(MISSING_FIELD, "label");
            }
            if (!l.isNumber()) {
                throw new BadEventException(WRONG_TYPE, "label must be a number");
            }
            label = l.doubleValue();
            if (!Double.isFinite(label)) {
                throw new BadEventException(NON_FINITE, "label " + l.text());
            }
            label = loss.readLabel(label);
            if (!loss.validLabel(label)) {
                throw new BadEventException(LABEL_OUT_OF_RANGE, "label " + l.text() + " outside " + loss.labelRange());
            }
        }
        Example ex = features(root.features, root.featuresValue, limits);
        ex.label = label;
        return new Event(type, id, ts, model, label, ex);
    }

    /**
     * The features a click carries, or null: they take no part in training (the impression's do) and
     * only say where the click goes when the job routes by a field ({@code --route-field},
     * docs/scaling.md); features a click does not need are not a reason to refuse it, so features
     * that do not decode are left out, not a dead letter.
     */
    private Example clickFeatures(EventFields root) {
        if (root.features == null) {
            return null;
        }
        try {
            return features(root.features, root.featuresValue, limits);
        } catch (BadEventException e) {
            return null;
        }
    }

    /** An event of {@code m} features over the limit is refused (libfm lines and JSON events alike). */
    static void checkFeatureCount(int m, EventLimits limits) throws BadEventException {
        if (m > limits.maxFeatures()) {
            throw new BadEventException(TOO_MANY_FEATURES, m + " features > limit " + limits.maxFeatures() + " (--max-features)");
        }
    }

    /** Event times before 1970 or further ahead of the clock than the limit are refused. */
    private void checkTime(long ts, String what) throws BadEventException {
        if (ts < 0) {
            throw new BadEventException(TS_OUT_OF_RANGE, what + " " + ts + " is before 1970 (epoch ms >= 0)");
        }
        if (limits.maxTsAheadMs() > 0) {
            long now = clock.getAsLong();
            if (ts - now > limits.maxTsAheadMs()) {
                throw new BadEventException(TS_OUT_OF_RANGE, what + " " + ts + " is " + (ts - now)
                        + " ms ahead of the clock > limit " + limits.maxTsAheadMs() + " (--max-ts-ahead-ms)");
            }
        }
    }

    /**
     * An event's {@code "features"} object as a normalized example: {@code "field": "value"} is the
     * categorical feature (field, value) with x = 1, {@code "field": number} the numeric feature of
     * the field with x = the number (docs/events.md). {@link Example#fields} names each feature's field
     * (after a collision, the last field that hashed to the id).
     */
    public static Example features(JsonNode f, EventLimits limits) throws BadEventException {
        return f != null && f.isObject() ? features(EventFields.entries(f), null, limits)
                : features(null, f == null || f.isNull() ? null : EventFields.Value.OTHER, limits);
    }

    /** {@code entries}: the features object's; {@code notObject}: the field's value when it is not an object (null: absent). */
    private static Example features(java.util.List<EventFields.Entry> entries, EventFields.Value notObject, EventLimits limits)
            throws BadEventException {
        if (entries == null) {
            if (notObject == null || notObject.kind() == EventFields.Kind.NULL) {
                throw new BadEventException(MISSING_FIELD, "features");
            }
            throw new BadEventException(WRONG_TYPE, "features must be an object");
        }
        checkFeatureCount(entries.size(), limits);
        Example ex = new Example(Math.max(1, entries.size()));
        String[] named = new String[entries.size()]; // the field of each feature as added (before normalize)
        for (EventFields.Entry e : entries) {
            EventFields.Value v = e.value();
            if (e.name().length() > limits.maxNameChars()) {
                throw new BadEventException(TOO_LONG, "a field name of " + e.name().length() + " characters > limit "
                        + limits.maxNameChars());
            }
            long id;
            if (v.kind() == EventFields.Kind.STRING) {
                if (v.text().length() > limits.maxNameChars()) {
                    throw new BadEventException(TOO_LONG, "the value of feature '" + e.name() + "': "
                            + v.text().length() + " characters > limit " + limits.maxNameChars());
                }
                id = FeatureHash.of(e.name(), v.text());
                ex.add(id, 1.0);
            } else if (v.isNumber()) {
                double x = v.doubleValue();
                if (!Double.isFinite(x)) {
                    throw new BadEventException(NON_FINITE, "feature '" + e.name() + "' = " + v.text());
                }
                id = FeatureHash.numeric(e.name());
                ex.add(id, x);
            } else {
                throw new BadEventException(WRONG_TYPE, "feature '" + e.name() + "' must be a string or a number");
            }
            named[ex.size - 1] = e.name();
        }
        long[] added = java.util.Arrays.copyOf(ex.ids, ex.size);
        ex.normalize();
        if (ex.size == 0) {
            throw new BadEventException(EMPTY_FEATURES, "no non-zero feature");
        }
        ex.fields = fieldsOf(ex, added, named);
        return ex;
    }

    /**
     * The field of each of {@code ex}'s (normalized) features: of the features {@code added} in order
     * with the fields {@code named}, the last that has the feature's id (two fields whose values hash
     * to one id are one feature).
     */
    private static String[] fieldsOf(Example ex, long[] added, String[] named) {
        String[] fields = new String[ex.size];
        for (int j = 0; j < added.length; j++) { // normalized ids are sorted
            int i = java.util.Arrays.binarySearch(ex.ids, 0, ex.size, added[j]);
            if (i >= 0) {
                fields[i] = named[j];
            }
        }
        return fields;
    }

    private static String text(EventFields.Value n, String field, boolean required, int maxChars) throws BadEventException {
        if (n == null || n.kind() == EventFields.Kind.NULL) {
            if (required) {
                throw new BadEventException(MISSING_FIELD, field);
            }
            return null;
        }
        if (n.kind() != EventFields.Kind.STRING) {
            throw new BadEventException(WRONG_TYPE, field + " must be a string");
        }
        if (n.text().length() > maxChars) {
            throw new BadEventException(TOO_LONG, field + " of " + n.text().length() + " characters > limit " + maxChars);
        }
        return n.text();
    }
}
