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
        for (int replicas : new int[] {2, 3, 4, 8}) {
            ReplicaKeys keys = new ReplicaKeys(replicas, 128);
            for (String model : new String[] {"default", "a", "tenant-42/ctr", "ünïcode"}) {
                for (int r = 0; r < replicas; r++) {
                    String k = keys.key(model, r);
                    assertEquals(model, ReplicaKeys.modelOf(k));
                    assertEquals(r, ReplicaKeys.replicaOf(k));
                    // at parallelism R, replica r is subtask r's; at 2R, subtask 2r's
                    assertEquals(r, KeyGroupRangeAssignment.assignKeyToParallelOperator(k, 128, replicas), model + " " + r);
                    assertEquals(2 * r, KeyGroupRangeAssignment.assignKeyToParallelOperator(k, 128, 2 * replicas), model + " " + r);
                    assertEquals(k, new ReplicaKeys(replicas, 128).key(model, r), "a function of (model, replica)");
                }
            }
        }
    }

    /**
     * A restored subtask's replica keys made for another number of trainers per model are refused,
     * naming that number; its own are taken, at any parallelism's key groups.
     */
    @Test
    void replicaKeysOfAnotherNumberOfTrainersAreRefusedOnRestore() {
        ReplicaKeys two = new ReplicaKeys(2, 128);
        java.util.List<String> subtask1 = java.util.List.of(two.key("default", 1), two.key("tenant-7", 1));
        assertDoesNotThrow(() -> ReplicaKeys.checkRestored(subtask1, 2, 128));
        IllegalStateException up = assertThrows(IllegalStateException.class, () -> ReplicaKeys.checkRestored(subtask1, 4, 128));
        assertTrue(up.getMessage().contains("replica keys of a job with --trainers-per-model 2"), up.getMessage());
        assertTrue(up.getMessage().contains("restart with --trainers-per-model 2"), up.getMessage());
        ReplicaKeys four = new ReplicaKeys(4, 128);
        java.util.List<String> fromFour = java.util.List.of(four.key("default", 3));
        IllegalStateException down = assertThrows(IllegalStateException.class, () -> ReplicaKeys.checkRestored(fromFour, 2, 128));
        assertTrue(down.getMessage().contains("--trainers-per-model 4"), down.getMessage());
        // replica 0's key is the same for every number (the first key group): a subtask of replica-0 keys alone cannot tell
        assertDoesNotThrow(() -> ReplicaKeys.checkRestored(java.util.List.of(two.key("default", 0)), 4, 128));
    }
}
