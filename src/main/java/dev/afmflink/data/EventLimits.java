package dev.afmflink.data;

import java.io.Serializable;

/**
 * What one event may hold, in one place for the job's decoder, {@code score}, {@code explain}
 * and the model server (docs/events.md, "Limits"). An event over a limit is refused where it is
 * decoded, with its reason code ({@link EventDecoder}), never trained or scored: nothing a record
 * carries can make the job fail or hold a server thread.
 *
 * @param maxFeatures    distinct features per event ({@code --max-features}); an example costs
 *                       m(m−1)/2 pairs, each a k-vector through the attention network (docs/events.md
 *                       gives the measured cost)
 * @param maxKeyChars    characters of a model key ({@code --max-key-chars}); a key is also a folder name
 *                       ({@code snapshot.SnapshotFolders}), a Kafka record key and a metric label
 * @param maxIdChars     characters of an event id
 * @param maxNameChars   characters of a field name or of a categorical value
 * @param maxTsAheadMs   how far an event's time may lie ahead of the decoding machine's clock
 *                       ({@code --max-ts-ahead-ms}; 0: no check). The one place a wall clock decides
 *                       anything: a record from the far future would move the watermark of every key,
 *                       so it is refused, as a Kafka broker refuses one ({@code log.message.timestamp.after.max.ms});
 *                       only events within this much of the present can get another verdict in a later replay
 */
public record EventLimits(int maxFeatures, int maxKeyChars, int maxIdChars, int maxNameChars, long maxTsAheadMs)
        implements Serializable {

    /**
     * The defaults: 128 features (over three times Criteo's 39 fields; 8,128 pairs, about 1.5 ms of
     * training at k = t = 16 where 10 features take 6 µs: docs/events.md has the measurement),
     * keys and ids of 256 characters, names and values of 1,024, one day ahead of the clock.
     */
    public static final EventLimits DEFAULT = new EventLimits(128, 256, 256, 1024, 86_400_000L);

    public EventLimits {
        if (maxFeatures < 1 || maxKeyChars < 1 || maxIdChars < 1 || maxNameChars < 1 || maxTsAheadMs < 0) {
            throw new IllegalArgumentException("event limits must be >= 1 (the time ahead >= 0)");
        }
    }

    public EventLimits withMaxFeatures(int m) {
        return new EventLimits(m, maxKeyChars, maxIdChars, maxNameChars, maxTsAheadMs);
    }

    public EventLimits withMaxTsAheadMs(long ms) {
        return new EventLimits(maxFeatures, maxKeyChars, maxIdChars, maxNameChars, ms);
    }

    public EventLimits withMaxKeyChars(int n) {
        return new EventLimits(maxFeatures, n, maxIdChars, maxNameChars, maxTsAheadMs);
    }

    /**
     * Why {@code key} cannot be a model key (null if it can): empty, longer than the limit, or
     * holding a control character or a lone UTF-16 surrogate (no file system, Kafka header or
     * metric label holds those faithfully). Any other character is kept: folder names escape it.
     */
    public String badModelKey(String key) {
        if (key.isEmpty()) {
            return "model key is empty";
        }
        if (key.length() > maxKeyChars) {
            return "model key of " + key.length() + " characters > limit " + maxKeyChars;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isISOControl(c)) {
                return String.format(java.util.Locale.ROOT, "model key holds control character U+%04X at %d", (int) c, i);
            }
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "model key holds a lone surrogate at " + i;
            }
        }
        return null;
    }
}
