package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.data.EventDecoder;
import dev.afmflink.sync.ChangeCodec;
import dev.afmflink.sync.Replica;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The replicas' merger on records that are no change of this job's replicas: a dead letter each, never a failed job. */
class MergeFunctionTest {
    @Test
    void aForeignRecordOnTheSynchronizationTopicIsADeadLetter() throws Exception {
        StreamSettings s = ReplicaSettingsTest.base(ReplicaSettingsTest.TWO);
        var merger = new MergeFunction(TrainerSettings.of(s, null), s.replicas(), new ReplicaKeys(2, 128));
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new WriteBackOperator<>(merger), new AfmStreamJob.SyncModelKey(),
                Types.STRING);
        h.open();
        h.processElement(new SyncRecord("default", "{\"type\":\"example\"}".getBytes(StandardCharsets.UTF_8)), 0);
        byte[] third = ChangeCodec.encode(new Replica(2, ReplicaJobTest.config()).emit(3), true); // R = 3's replica 2
        h.processElement(new SyncRecord("default", third), 0);
        List<DeadLetter> dead = new ArrayList<>();
        h.getSideOutput(DeadLetters.TAG).forEach(r -> dead.add(r.getValue()));
        assertEquals(2, dead.size());
        for (DeadLetter d : dead) {
            assertEquals(EventDecoder.BAD_SYNC_RECORD, d.reason);
            assertTrue(d.raw.contains("\"model\":\"default\""), d.raw);
        }
        assertEquals("not a change record", dead.get(0).detail);
        assertEquals("a change of replica 2 in a group of 2", dead.get(1).detail);
        // the replicas' own changes still merge: both replicas' changes of tick 3, then each replica key hears it settled
        int before = h.extractOutputValues().size();
        h.processElement(new SyncRecord("default", ChangeCodec.encode(new Replica(0, ReplicaJobTest.config()).emit(3), true)), 0);
        h.processElement(new SyncRecord("default", ChangeCodec.encode(new Replica(1, ReplicaJobTest.config()).emit(3), true)), 0);
        assertEquals(2, h.getSideOutput(DeadLetters.TAG).size(), "no new dead letter");
        assertTrue(h.extractOutputValues().size() >= before + 2, "the settled words to both replica keys");
        h.close();
    }
}
