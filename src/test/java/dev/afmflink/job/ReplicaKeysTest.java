package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
