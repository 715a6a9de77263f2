package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.data.EventLimits;
import dev.afmflink.model.Loss;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.mocks.MockSourceReader;
import org.apache.flink.api.connector.source.mocks.MockSourceSplit;
import org.apache.flink.api.connector.source.mocks.MockSourceSplitSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.synchronization.FutureCompletingBlockingQueue;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.metrics.KafkaSourceReaderMetrics;
import org.apache.flink.connector.kafka.source.reader.KafkaRecordEmitter;
import org.apache.flink.connector.kafka.source.reader.KafkaSourceReader;
import org.apache.flink.connector.kafka.source.reader.fetcher.KafkaSourceFetcherManager;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.metrics.groups.SourceReaderMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.execution.Environment;
import org.apache.flink.runtime.operators.coordination.MockOperatorEventGateway;
import org.apache.flink.runtime.operators.testutils.MockInputSplitProvider;
import org.apache.flink.runtime.source.event.AddSplitEvent;
import org.apache.flink.runtime.source.event.WatermarkAlignmentEvent;
import org.apache.flink.runtime.state.TestTaskStateManager;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.streaming.api.operators.SourceOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.api.operators.StreamTaskStateInitializerImpl;
import org.apache.flink.streaming.api.operators.source.CollectingDataOutput;
import org.apache.flink.streaming.api.operators.source.TestingSourceOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.SourceOperatorStreamTask;
import org.apache.flink.streaming.runtime.tasks.StreamMockEnvironment;
import org.apache.flink.streaming.runtime.tasks.TestProcessingTimeService;
import org.apache.flink.streaming.util.MockOutput;
import org.apache.flink.streaming.util.MockStreamConfig;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The read-ahead bound's stall, replayed on Flink's own {@code SourceOperator} with a manual clock
 * (docs/scaling.md, "Reading ahead"): a split is read, goes quiet, and the group's allowed watermark
 * falls below it just before its idleness timeout runs out; the timeout then marks it idle while
 * it is paused; the bound is lifted; the split gets a new record. With the reader paused split by
 * split (Flink's way, the connector's reader) the record is never read when the bound comes in the
 * last periodic check before the timeout (1,210–1,290 ms here: checks every 100 ms, the split's
 * inactivity counted from the check at 200 ms); with {@link PausedAsAWhole} it is read at every
 * instant. The clock moves a millisecond at a time, so each periodic check runs when it is due.
 * The job's event reader ({@link PausedAsAWhole.KafkaReader}) keeps the same rule: its pauses reach no
 * fetcher.
 */
class PausedAsAWholeTest {
    private static final long IDLE_MS = 1_000;
    /** The allowed watermark that holds the split back (its watermark is {@link #FIRST}). */
    private static final int BOUND = 10;
    private static final int FIRST = 50;
    private static final int NEXT = 60;

    /** The instants (ms after the split's first record) at which the bound comes: around the idleness timeout. */
    private static List<Long> instants() {
        List<Long> at = new ArrayList<>();
        for (long t = IDLE_MS - 200; t <= IDLE_MS + 300; t += 10) {
            at.add(t);
        }
        return at;
    }

    @Test
    void splitPausesLeaveASplitMarkedIdleWhilePausedUnreadForEver() throws Exception {
        // the premise: Flink 2.2's operator with a reader that pauses splits stalls at some instant. If this fails after a
        // Flink upgrade, the upgrade mended it and PausedAsAWhole may go
        assertTrue(!stalled(r -> r).isEmpty(), "no instant left the split unread with split pauses");
    }

    @Test
    void aReaderPausedAsAWholeReadsAgainOnceTheBoundIsLifted() throws Exception {
        assertEquals(List.of(), stalled(PausedAsAWhole::new), "instants (ms) after which the split was never read again");
    }

    @Test
    void theBoundStillHoldsTheReaderBackAsAWhole() throws Exception {
        TestProcessingTimeService time = new TestProcessingTimeService();
        MockSourceReader reader = reader();
        SourceOperator<Integer, MockSourceSplit> op = open(new PausedAsAWhole<>(reader), time);
        CollectingDataOutput<Integer> out = new CollectingDataOutput<>();
        MockSourceSplit split = assign(op, reader);
        drain(op, out);
        pass(time, 100); // the split's watermark (FIRST) is emitted
        op.handleOperatorEvent(new WatermarkAlignmentEvent(BOUND)); // the operator waits: its watermark is past the bound
        split.addRecord(NEXT);
        for (int i = 0; i < 5; i++) {
            pass(time, 100);
            op.emitNext(out);
        }
        assertEquals(List.of(FIRST), records(out), "read while the bound held the source back");
        op.handleOperatorEvent(new WatermarkAlignmentEvent(Long.MAX_VALUE));
        drain(op, out);
        assertEquals(List.of(FIRST, NEXT), records(out));
        op.close();
    }

    @Test
    void theJobsEventReaderIsPausedAsAWholeTooWhereTheConnectorsPausesASplit() throws Exception {
        // the reader the job's event source makes (it decodes on the fetcher) is the connector's, less split pauses
        KafkaRecords.Input input = new KafkaRecords.Input(Loss.LOGISTIC, 1 << 20, EventLimits.DEFAULT);
        KafkaSource<InputEvent> kafka = KafkaSource.<InputEvent>builder().setBootstrapServers("127.0.0.1:9")
                .setTopics("in").setGroupId("g").setDeserializer(input).build();
        SourceReader<InputEvent, KafkaPartitionSplit> made = new BoundedKafkaSource<>(kafka, input).createReader(context());
        assertTrue(made instanceof PausedAsAWhole.KafkaReader, made.getClass().getName());
        made.close();
        // a pause reaches the fetchers of the connector's reader, and none of this one's
        List<String> asked = new ArrayList<>();
        for (boolean job : new boolean[] {false, true}) {
            var queue = new FutureCompletingBlockingQueue<RecordsWithSplitIds<ConsumerRecord<byte[], byte[]>>>();
            var fetchers = new KafkaSourceFetcherManager(queue, () -> {
                throw new AssertionError("no split is read here");
            }, done -> { }) {
                @Override
                public void pauseOrResumeSplits(Collection<String> pause, Collection<String> resume) {
                    asked.add((job ? "job " : "connector ") + pause);
                }
            };
            SourceReaderContext context = context();
            var metrics = new KafkaSourceReaderMetrics(context.metricGroup());
            var emitter = new KafkaRecordEmitter<>(input);
            SourceReader<InputEvent, KafkaPartitionSplit> reader = job
                    ? new PausedAsAWhole.KafkaReader<>(queue, fetchers, emitter, new Configuration(), context, metrics)
                    : new KafkaSourceReader<>(queue, fetchers, emitter, new Configuration(), context, metrics);
            reader.pauseOrResumeSplits(List.of("in-0"), List.of());
            reader.close();
        }
        assertEquals(List.of("connector [in-0]"), asked);
    }

    private static SourceReaderContext context() {
        return new SourceReaderContext() {
            @Override
            public SourceReaderMetricGroup metricGroup() {
                return UnregisteredMetricsGroup.createSourceReaderMetricGroup();
            }

            @Override
            public Configuration getConfiguration() {
                return new Configuration();
            }

            @Override
            public String getLocalHostName() {
                return "127.0.0.1";
            }

            @Override
            public int getIndexOfSubtask() {
                return 0;
            }

            @Override
            public void sendSplitRequest() {
            }

            @Override
            public void sendSourceEventToCoordinator(SourceEvent event) {
            }

            @Override
            public UserCodeClassLoader getUserCodeClassLoader() {
                return SimpleUserCodeClassLoader.create(PausedAsAWholeTest.class.getClassLoader());
            }
        };
    }

    /** The instants ({@link #instants}) after which the split, read through {@code wrap}'s reader, was never read again. */
    private static List<Long> stalled(Function<SourceReader<Integer, MockSourceSplit>,
            SourceReader<Integer, MockSourceSplit>> wrap) throws Exception {
        List<Long> stalled = new ArrayList<>();
        for (long at : instants()) {
            if (!readsAfterTheBound(at, wrap)) {
                stalled.add(at);
            }
        }
        return stalled;
    }

    /**
     * True when, with the bound coming {@code atMs} after the split's first record and lifted
     * {@code 2 × IDLE_MS} later, the split's next record is read.
     */
    private static boolean readsAfterTheBound(long atMs, Function<SourceReader<Integer, MockSourceSplit>,
            SourceReader<Integer, MockSourceSplit>> wrap) throws Exception {
        TestProcessingTimeService time = new TestProcessingTimeService();
        MockSourceReader reader = reader();
        SourceOperator<Integer, MockSourceSplit> op = open(wrap.apply(reader), time);
        CollectingDataOutput<Integer> out = new CollectingDataOutput<>();
        MockSourceSplit split = assign(op, reader);
        drain(op, out);
        pass(time, atMs); // the periodic watermark emits (and idleness checks) until then run
        op.handleOperatorEvent(new WatermarkAlignmentEvent(BOUND));
        for (int i = 0; i < 20; i++) {
            pass(time, IDLE_MS / 10);
            op.emitNext(out);
        }
        op.handleOperatorEvent(new WatermarkAlignmentEvent(Long.MAX_VALUE)); // every source of the group idle
        split.addRecord(NEXT);
        for (int i = 0; i < 10; i++) {
            pass(time, 100);
            op.emitNext(out);
        }
        op.close();
        return records(out).contains(NEXT);
    }

    /** Lets {@code ms} pass on {@code time} a millisecond at a time, so that each timer fires when it is due. */
    private static void pass(TestProcessingTimeService time, long ms) throws Exception {
        for (long i = 0; i < ms; i++) {
            time.advance(1);
        }
    }

    /** Assigns the reader a split with one record ({@link #FIRST}); the reader's own copy of it (records added to it are read). */
    private static MockSourceSplit assign(SourceOperator<Integer, MockSourceSplit> op, MockSourceReader reader) throws Exception {
        op.handleOperatorEvent(new AddSplitEvent<>(List.of(new MockSourceSplit(0, 0, 10).addRecord(FIRST)),
                new MockSourceSplitSerializer()));
        return reader.getAssignedSplits().get(0);
    }

    private static MockSourceReader reader() {
        // per-split outputs, as the Kafka reader has
        return new MockSourceReader(MockSourceReader.WaitingForSplits.DO_NOT_WAIT_FOR_SPLITS, false, true);
    }

    private static SourceOperator<Integer, MockSourceSplit> open(SourceReader<Integer, MockSourceSplit> reader,
                                                                 TestProcessingTimeService time) throws Exception {
        Environment env = new StreamMockEnvironment(new Configuration(), new Configuration(), new ExecutionConfig(), 1L,
                new MockInputSplitProvider(), 1, new TestTaskStateManager());
        // the job's pieces: a watermark from the events' time, idleness, and the read-ahead group
        WatermarkStrategy<Integer> strategy = WatermarkStrategy.<Integer>forGenerator(ctx -> new Highest())
                .withTimestampAssigner((r, ts) -> r)
                .withIdleness(Duration.ofMillis(IDLE_MS))
                .withWatermarkAlignment("read-ahead", Duration.ofMillis(1), AfmStreamJob.READ_AHEAD_UPDATE);
        SourceOperator<Integer, MockSourceSplit> op = new TestingSourceOperator<>(
                new StreamOperatorParameters<>(new SourceOperatorStreamTask<Integer>(env),
                        new MockStreamConfig(new Configuration(), 1), new MockOutput<>(new ArrayList<>()),
                        () -> time, null, null),
                reader, strategy, time, new MockOperatorEventGateway(), 0, 1, true, false);
        op.initializeState(new StreamTaskStateInitializerImpl(env, new HashMapStateBackend()));
        op.open();
        return op;
    }

    private static void drain(SourceOperator<Integer, MockSourceSplit> op, CollectingDataOutput<Integer> out) throws Exception {
        for (int i = 0; i < 10; i++) {
            op.emitNext(out);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> records(CollectingDataOutput<Integer> out) {
        List<Integer> values = new ArrayList<>();
        for (Object e : out.getEvents()) {
            if (e instanceof StreamRecord) {
                values.add(((StreamRecord<Integer>) e).getValue());
            }
        }
        return values;
    }

    /** The watermark at the highest event time read (as the job's, without its out-of-orderness). */
    private static final class Highest implements WatermarkGenerator<Integer> {
        private long highest = Long.MIN_VALUE;

        @Override
        public void onEvent(Integer event, long eventTimestamp, WatermarkOutput output) {
            highest = Math.max(highest, eventTimestamp);
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            if (highest != Long.MIN_VALUE) {
                output.emitWatermark(new Watermark(highest));
            }
        }
    }
}
