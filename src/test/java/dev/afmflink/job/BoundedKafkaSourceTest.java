package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * When a restored enumerator tells its readers that no more splits will come: only for a bounded
 * source whose first discovery had finished with every split assigned (the failover itself:
 * StreamingEndToEndTest#aBoundedRunThatFailsOverEndsWithTheModelOfItsWholeInput).
 */
class BoundedKafkaSourceTest {
    private static final KafkaPartitionSplit P0 = new KafkaPartitionSplit(new TopicPartition("in", 0), 10, 100);
    private static final KafkaPartitionSplit P1 = new KafkaPartitionSplit(new TopicPartition("in", 1), 0, 50);

    @Test
    void aRestoredBoundedSourceWithEverySplitAssignedHasNoMoreSplits() {
        assertTrue(BoundedKafkaSource.noMoreSplits(Boundedness.BOUNDED, new KafkaSourceEnumState(List.of(P0, P1), List.of(), true)));
    }

    @Test
    void otherwiseTheConnectorDecides() {
        assertFalse(BoundedKafkaSource.noMoreSplits(Boundedness.CONTINUOUS_UNBOUNDED,
                new KafkaSourceEnumState(List.of(P0, P1), List.of(), true)), "an unbounded source never ends");
        assertFalse(BoundedKafkaSource.noMoreSplits(Boundedness.BOUNDED, new KafkaSourceEnumState(List.of(P0), List.of(P1), true)),
                "a split still to assign");
        assertFalse(BoundedKafkaSource.noMoreSplits(Boundedness.BOUNDED, new KafkaSourceEnumState(List.of(P0, P1), List.of(), false)),
                "the first discovery had not finished");
    }
}
