package dev.afmflink.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The route across a change of the number of replicas: events keep the replica of their time; clicks find their impression. */
class RouteEpochsTest {
    static final long T = 1_000_000;
    static final long W = 10_000;

    @Test
    void oneEpochIsTheRouteOfItsReplicas() {
        RouteEpochs e = RouteEpochs.of(2);
        for (int i = 0; i < 200; i++) {
            String id = "i" + i;
            assertEquals(ReplicaRoute.ofId(id, 2), e.replicaOf(id, ReplicaRoute.NONE, i));
            RouteEpochs.Routes c = e.clickReplicas(id, ReplicaRoute.NONE, i, W);
            assertArrayEquals(new int[] {ReplicaRoute.ofId(id, 2)}, c.replicas());
            assertFalse(c.copies());
        }
    }

    @Test
    void aClickGoesWhereverItsImpressionMayBe() {
        RouteEpochs e = RouteEpochs.of(2).then(4, T);
        int moved = 0;
        for (int i = 0; i < 400; i++) {
            String id = "i" + i;
            int before = ReplicaRoute.ofId(id, 2);
            int after = ReplicaRoute.ofId(id, 4);
            assertTrue(after == before || after == before + 2, "a replica keeps its events or hands them to r + R");
            // an impression goes by its own time
            assertEquals(before, e.replicaOf(id, ReplicaRoute.NONE, T - 1));
            assertEquals(after, e.replicaOf(id, ReplicaRoute.NONE, T));
            // a click before the change, or a window after it: one replica, the impression's
            assertArrayEquals(new int[] {before}, e.clickReplicas(id, ReplicaRoute.NONE, T - 1, W).replicas());
            assertArrayEquals(new int[] {after}, e.clickReplicas(id, ReplicaRoute.NONE, T + W, W).replicas());
            // in the window after it: both where they differ, as copies
            for (long c : new long[] {T, T + W / 2, T + W - 1}) {
                RouteEpochs.Routes r = e.clickReplicas(id, ReplicaRoute.NONE, c, W);
                if (before == after) {
                    assertArrayEquals(new int[] {after}, r.replicas());
                    assertFalse(r.copies());
                } else {
                    assertArrayEquals(new int[] {after, before}, r.replicas());
                    assertTrue(r.copies());
                }
            }
            moved += before == after ? 0 : 1;
        }
        assertTrue(moved > 150 && moved < 250, moved + " of 400 moved");
    }

    @Test
    void epochsGoThroughTheirBytes() {
        RouteEpochs e = RouteEpochs.of(2).then(4, T).then(8, T + 5 * W);
        assertEquals(e, RouteEpochs.decode(e.encode()));
        assertEquals(8, e.current());
        assertEquals(2, e.replicasAt(Long.MIN_VALUE));
        assertEquals(4, e.replicasAt(T + 5 * W - 1));
        assertThrows(IllegalArgumentException.class, () -> e.then(16, T));
        assertThrows(IllegalArgumentException.class, () -> RouteEpochs.decode(new byte[] {0, 0}));
    }
}
