package dev.afmflink.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PredictionSampleTest {
    @Test
    void keepsAboutItsShareTheSameIdsEveryTimeAndNestedAcrossShares() {
        PredictionSample tenth = new PredictionSample(0.1);
        PredictionSample half = new PredictionSample(0.5);
        int kept10 = 0;
        int kept50 = 0;
        for (int i = 0; i < 100_000; i++) {
            String id = "imp-" + i;
            boolean a = tenth.keeps(id);
            assertEquals(a, new PredictionSample(0.1).keeps(id), "deterministic");
            boolean b = half.keeps(id);
            assertTrue(!a || b, "a smaller share keeps a subset of a larger one: " + id);
            kept10 += a ? 1 : 0;
            kept50 += b ? 1 : 0;
        }
        // binomial: sd 95 and 158 over 100,000 ids
        assertEquals(10_000, kept10, 500);
        assertEquals(50_000, kept50, 800);
    }

    @Test
    void allNoneAndBadShares() {
        assertTrue(PredictionSample.ALL.keeps("x") && PredictionSample.ALL.keeps(null));
        assertFalse(new PredictionSample(0).keeps("x"));
        assertThrows(IllegalArgumentException.class, () -> new PredictionSample(-0.1));
        assertThrows(IllegalArgumentException.class, () -> new PredictionSample(1.5));
        assertThrows(IllegalArgumentException.class, () -> new PredictionSample(Double.NaN));
    }
}
