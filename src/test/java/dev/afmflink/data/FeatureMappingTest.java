package dev.afmflink.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import org.junit.jupiter.api.Test;

class FeatureMappingTest {
    @Test
    void hashIsStableAndFieldAware() {
        // pinned values: changing the hash silently re-keys every saved model
        assertEquals(FeatureHash.of("C1", "68fd1e64"), FeatureHash.of("C1", "68fd1e64"));
        assertNotEquals(FeatureHash.of("C1", "68fd1e64"), FeatureHash.of("C2", "68fd1e64"));
        assertNotEquals(FeatureHash.of("ab", "c"), FeatureHash.of("a", "bc"));
        assertEquals(FeatureHash.numeric("price"), FeatureHash.of("price", ""));
        // the documented definition, computed independently (Python, docs/events.md)
        assertEquals(-215079798943679483L, FeatureHash.of("user", "42"));
        assertEquals(-4375382286739614608L, FeatureHash.of("C1", "68fd1e64"));
        // beyond ASCII the bytes hashed are UTF-8's (the fast path hashes ASCII chars as they are)
        assertEquals(-5880627530722164303L, FeatureHash.of("\u03a9field", "caf\u00e9"));
        assertEquals(-820243665786049293L, FeatureHash.of("city", "S\u00e3o Paulo"));
        assertEquals(7947860342149523544L, FeatureHash.of("emoji", "a\uD83D\uDE00b"));
    }

    @Test
    void criteoRowMapsToLibfm() {
        String row = "0\t1\t1\t5\t0\t1382\t4\t15\t2\t181\t1\t2\t\t2\t68fd1e64\t80e26c9b\tfb936136\t7b4723c4\t25c83c98"
                + "\t7e0ccccf\tde7995b8\t1f89b562\ta73ee510\ta8cd5504\tb2cb9c98\t37c9c164\t2824a5f6\t1adce6ef\t8ba8b39a"
                + "\t891b62e7\te5ba7672\tf54016b9\t21ddcdc9\tb1252a9d\t07b5194c\t\t3a171ecb\tc5c50484\te8b83407\t9727dd16";
        String line = CriteoMapping.toLibfm(row);
        Example e = new Example();
        assertEquals(null, LibfmLine.parse(line, Loss.LOGISTIC, e));
        assertEquals(0.0, e.label);
        assertEquals(12 + 25, e.size); // I12 and C22 are empty
        String expectedI5 = FeatureHash.of("I5", "b" + (long) Math.floor(Math.pow(Math.log(1382), 2))) + ":1";
        assertTrue(line.contains(" " + expectedI5), line);
        assertTrue(line.contains(" " + FeatureHash.of("C1", "68fd1e64") + ":1"));
        assertTrue(line.contains(" " + FeatureHash.of("I1", "b1") + ":1"));
    }

    @Test
    void badCriteoRows() {
        assertThrows(DataFormatException.class, () -> CriteoMapping.toLibfm("0\t1\t2"));
        String tooFew = "2" + "\t".repeat(39);
        assertThrows(DataFormatException.class, () -> CriteoMapping.toLibfm(tooFew));
        String badInt = "1\tx" + "\t".repeat(38);
        assertThrows(DataFormatException.class, () -> CriteoMapping.toLibfm(badInt));
    }
}
