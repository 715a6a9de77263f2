package dev.afmflink.data;

import java.nio.charset.StandardCharsets;

/**
 * The stable mapping from a (field, value) pair to a 64-bit feature id, used by the event decoder
 * and the Criteo mapping. Documented in docs/events.md; changing it changes every model's ids.
 *
 * <p>id = fmix64(FNV-1a-64(UTF-8(field) · 0x00 · UTF-8(value))), where fmix64 is MurmurHash3's
 * 64-bit finaliser. A numeric feature (value is a number x) uses the id of (field, "") and x as the
 * feature's value.
 */
public final class FeatureHash {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private FeatureHash() {
    }

    public static long of(String field, String value) {
        long h = FNV_OFFSET;
        h = fnv(h, field);
        h = (h ^ 0) * FNV_PRIME;
        h = fnv(h, value);
        return fmix64(h);
    }

    /** FNV-1a over {@code s}'s UTF-8 bytes: an ASCII string's chars are its bytes (no encoding, no copy). */
    private static long fnv(long h, String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                return fnv(h, s.substring(i).getBytes(StandardCharsets.UTF_8));
            }
            h ^= c;
            h *= FNV_PRIME;
        }
        return h;
    }

    /** The id of a numeric field. */
    public static long numeric(String field) {
        return of(field, "");
    }

    private static long fnv(long h, byte[] bytes) {
        for (byte b : bytes) {
            h ^= (b & 0xff);
            h *= FNV_PRIME;
        }
        return h;
    }

    static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
