package dev.afmflink.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two models the same bit for bit: example counter, shared block and slots, every feature row (either precision). */
public final class SameBits {
    private SameBits() {
    }

    public static void assertSameBits(AfmModel expected, AfmModel actual) {
        assertEquals(expected.shared().examples, actual.shared().examples, "examples");
        assertTrue(expected.shared().sameAs(actual.shared()), "shared parameters and slots, bit for bit (either precision)");
        assertEquals(expected.features().size(), actual.features().size(), "feature count");
        for (long id : expected.features().sortedIds()) {
            assertTrue(expected.features().get(id).sameValues(actual.features().get(id)), "feature " + id + ", bit for bit");
        }
    }
}
