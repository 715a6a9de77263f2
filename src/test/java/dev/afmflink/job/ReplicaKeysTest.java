package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.junit.jupiter.api.Test;

/** Replica keys land on different subtasks, whatever the model key, and name their model and replica. */
class ReplicaKeysTest {
    @Test
    void theReplicasOfAModelLandOnDifferentSubtasks() {
        for (int replicas : new int[] {2, 3, 4, 8, 16}) {
            ReplicaKeys keys = new ReplicaKeys(replicas, 128);
            for (String model : new String[] {"default", "a", "tenant-42/ctr", "ünïcode"}) {
                java.util.Set<Integer> atR = new java.util.HashSet<>();
                java.util.Set<Integer> atTwiceR = new java.util.HashSet<>();
                for (int r = 0; r < replicas; r++) {
                    String k = keys.key(model, r);
                    assertEquals(model, ReplicaKeys.modelOf(k));
                    assertEquals(r, ReplicaKeys.replicaOf(k));
                    atR.add(KeyGroupRangeAssignment.assignKeyToParallelOperator(k, 128, replicas));
                    atTwiceR.add(KeyGroupRangeAssignment.assignKeyToParallelOperator(k, 128, 2 * replicas));
                    assertEquals(k, new ReplicaKeys(replicas, 128).key(model, r), "a function of (model, replica)");
                    if (replicas == 3) { // not a power of two: replica r is subtask r's at parallelism R
                        assertEquals(r, KeyGroupRangeAssignment.assignKeyToParallelOperator(k, 128, replicas), model + " " + r);
                    }
                }
                assertEquals(replicas, atR.size(), "R = " + replicas + ": a subtask each at parallelism R");
                assertEquals(replicas, atTwiceR.size(), "R = " + replicas + ": a subtask each at parallelism 2R");
            }
        }
    }

    /** A power of two R's replica keys are the first R of every larger power of two's, name for name. */
    @Test
    void twiceTheReplicasKeepTheKeysOfTheFirstOnes() {
        assertEquals(java.util.List.of(0L, 1L), java.util.List.of(ReplicaKeys.place(0)[0], ReplicaKeys.place(0)[1]));
        assertEquals(java.util.List.of(1L, 2L), java.util.List.of(ReplicaKeys.place(1)[0], ReplicaKeys.place(1)[1]));
        assertEquals(java.util.List.of(1L, 4L), java.util.List.of(ReplicaKeys.place(2)[0], ReplicaKeys.place(2)[1]));
        assertEquals(java.util.List.of(3L, 4L), java.util.List.of(ReplicaKeys.place(3)[0], ReplicaKeys.place(3)[1]));
        assertEquals(java.util.List.of(3L, 8L), java.util.List.of(ReplicaKeys.place(6)[0], ReplicaKeys.place(6)[1]));
        for (String model : new String[] {"default", "tenant-42/ctr"}) {
            for (int r = 0; r < 2; r++) {
                assertEquals(new ReplicaKeys(2, 128).key(model, r), new ReplicaKeys(4, 128).key(model, r));
                assertEquals(new ReplicaKeys(2, 128).key(model, r), new ReplicaKeys(8, 128).key(model, r));
            }
            for (int r = 0; r < 4; r++) {
                assertEquals(new ReplicaKeys(4, 128).key(model, r), new ReplicaKeys(16, 128).key(model, r));
            }
        }
        // R = 2's keys are what they were before the placement by reversed bits (savepoints of R = 2 keep their keys)
        assertEquals(64, KeyGroupRangeAssignment.assignToKeyGroup(new ReplicaKeys(2, 128).key("default", 1), 128));
    }

    /**
     * A restored subtask's replica keys made for another number of trainers per model are refused,
     * naming that number, unless this job's number is theirs times a power of two (both powers of
     * two); its own are taken, at any parallelism's key groups.
     */
    @Test
    void replicaKeysOfAnotherNumberOfTrainersAreRefusedOnRestore() {
        ReplicaKeys two = new ReplicaKeys(2, 128);
        java.util.List<String> subtask1 = java.util.List.of(two.key("default", 1), two.key("tenant-7", 1));
        assertDoesNotThrow(() -> ReplicaKeys.checkRestored(subtask1, 2, 128));
        assertDoesNotThrow(() -> ReplicaKeys.checkRestored(subtask1, 4, 128));
        assertDoesNotThrow(() -> ReplicaKeys.checkRestored(subtask1, 8, 128));
        ReplicaKeys four = new ReplicaKeys(4, 128);
        java.util.List<String> fromFour = java.util.List.of(four.key("default", 3));
        IllegalStateException down = assertThrows(IllegalStateException.class, () -> ReplicaKeys.checkRestored(fromFour, 2, 128));
        assertTrue(down.getMessage().contains("--trainers-per-model 4"), down.getMessage());
        ReplicaKeys three = new ReplicaKeys(3, 128);
        java.util.List<String> fromThree = java.util.List.of(three.key("default", 1), three.key("default", 2));
        IllegalStateException other = assertThrows(IllegalStateException.class, () -> ReplicaKeys.checkRestored(fromThree, 6, 128));
        assertTrue(other.getMessage().contains("replica keys of a job with --trainers-per-model 3"), other.getMessage());
        assertTrue(other.getMessage().contains("restart with --trainers-per-model 3"), other.getMessage());
    }
}
