package dev.afmflink.job;

import dev.afmflink.sync.Change;
import dev.afmflink.sync.ChangeCodec;
import dev.afmflink.sync.Exchange;
import dev.afmflink.sync.Ledger;
import dev.afmflink.sync.ReplicaRoute;
import dev.afmflink.sync.SyncMessage;
import dev.afmflink.sync.SyncSchedule;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The trainer of replica keys (model, replica) when one model runs on several trainer subtasks
 * (docs/scaling.md, "The loop in the job"): {@link AfmTrainer} as ever, with the subtask's
 * {@link SyncSchedule} between its input watermark and its timers. The subtask fires its timers tick
 * by tick; at each tick's end every replica key here emits its change ({@link #CHANGES}, to the
 * synchronization topic); before a tick's first timer each key takes in the merges due
 * ({@link Exchange#apply} on the key's rows and ledger), and the subtask holds its timers (and the
 * watermark it passes on) until each key's merger has settled them. The merger's words come in on
 * the same input as the events ({@link TrainingExample#sync}); a key that joins its model after a
 * restore at more trainers per model takes the merged model first ({@link Exchange#adopt}). Wiring
 * only: the rule is in {@code dev.afmflink.sync}.
 */
public class ReplicaTrainerOperator extends AfmTrainerOperator {
    public static final OutputTag<SyncRecord> CHANGES = new OutputTag<>("sync-changes", TypeInformation.of(SyncRecord.class));

    private static final TypeInformation<byte[]> BYTES =
            org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;

    private final ReplicaSettings replicas;
    private final boolean float32;
    private transient SyncSchedule schedule;
    private transient Exchange exchange;
    private transient ListState<byte[]> scheduleState;
    private transient ListState<byte[]> schedulesState;
    private transient ValueState<byte[]> ledgerState;
    private transient MapState<Long, byte[]> mergesState;
    /** Ledgers of keys used since the last barrier (written to state before it): a buffer, as the trainer's. */
    private transient Map<String, Ledger> ledgers;
    private transient Driver driver;
    /** The operator's event-time timers, earliest first (null: not readable; the schedule then goes tick by tick). */
    private transient org.apache.flink.runtime.state.InternalPriorityQueue<? extends org.apache.flink.streaming.api.operators.InternalTimer<?, ?>> timerQueue;

    public ReplicaTrainerOperator(AfmTrainer trainer, ReplicaSettings replicas, boolean float32) {
        super(trainer);
        this.replicas = replicas;
        this.float32 = float32;
    }

    private AfmTrainer trainer() {
        return (AfmTrainer) userFunction;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        // every subtask's schedule, to every subtask at a restore: each keeps the keys of its key groups, so a restore at
        // another parallelism hands each key its place (the state named "sync-schedule", one per subtask, is what builds
        // before 2026-12-05 wrote: read at the same parallelism only)
        schedulesState = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>("sync-schedules", BYTES));
        scheduleState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("sync-schedule", BYTES));
        schedule = new SyncSchedule(replicas.tickMs(), replicas.lag());
        List<byte[]> all = new ArrayList<>();
        schedulesState.get().forEach(all::add);
        List<byte[]> restored = new ArrayList<>();
        scheduleState.get().forEach(restored::add);
        if (!all.isEmpty()) {
            var task = getRuntimeContext().getTaskInfo();
            int maxParallelism = task.getMaxNumberOfParallelSubtasks();
            org.apache.flink.runtime.state.KeyGroupRange mine = org.apache.flink.runtime.state.KeyGroupRangeAssignment
                    .computeKeyGroupRangeForOperatorIndex(maxParallelism, task.getNumberOfParallelSubtasks(), task.getIndexOfThisSubtask());
            for (byte[] s : all) {
                schedule.restore(s, k -> mine.contains(org.apache.flink.runtime.state.KeyGroupRangeAssignment.assignToKeyGroup(k,
                        maxParallelism)));
            }
            restored.clear();
        } else if (context.isRestored() && restored.size() != 1) {
            // each subtask's schedule belongs to its key groups: a restore at another parallelism would hand a subtask
            // another's (or none), so it stops here, clearly, instead of training on a wrong schedule
            throw new IllegalStateException("--trainers-per-model: this subtask restored " + restored.size() + " synchronization "
                    + "schedules, not its own one: a savepoint of a build before 2026-12-05 restores at its own parallelism only "
                    + "(restart at the parallelism of the savepoint)");
        }
        for (byte[] s : restored) {
            schedule.restore(s);
        }
        if (context.isRestored()) { // a savepoint of another number of trainers per model stops here, not in a silent restart
            ReplicaKeys.checkRestored(schedule.keys(), replicas.replicas(), getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks());
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        exchange = new Exchange(trainer().config());
        ledgerState = getPartitionedState(new ValueStateDescriptor<>("sync-ledger", BYTES));
        mergesState = getPartitionedState(new MapStateDescriptor<>("sync-merges", Types.LONG, BYTES));
        ledgers = new HashMap<>();
        driver = new Driver();
        timerQueue = timerQueue(getInternalTimerService("user-timers",
                org.apache.flink.runtime.state.VoidNamespaceSerializer.INSTANCE, this));
        // an arriving event is judged by the input watermark, as the replay judges it: the timer service runs tick by tick
        // behind it, as far as the merges have come, which no replay can know
        trainer().arrivalWatermark(schedule::input);
        java.util.Set<String> local = java.util.Set.copyOf(replicas.localFields());
        trainer().onTrainingRow((id, f, ex) -> {
            try {
                ledger((String) getCurrentKey()).touch(id, f,
                        ex != null && ReplicaRoute.isOfFields(id, ex.ids, ex.fields, ex.ids.length, local));
            } catch (Exception e) {
                throw new org.apache.flink.util.FlinkRuntimeException("keyed state", e);
            }
        });
    }

    @Override
    public void processElement(StreamRecord<TrainingExample> element) throws Exception {
        TrainingExample ex = element.getValue();
        String key = (String) getCurrentKey();
        if (ex.sync != null) {
            SyncMessage m = SyncMessage.decode(ex.sync);
            switch (m.kind()) {
                case WAKE -> schedule.present(key, driver);
                case MERGE -> mergesState.put(m.tick(), ex.sync);
                case SETTLED -> schedule.settled(key, m.tick(), driver);
                // a key new to its model (a restore at more trainers per model): the merged model, part by part, before
                // its first "settled" and so before any step or merge of its own
                case BASE -> exchange.adopt(m.mergeChange(), rows(key), ledger(key));
            }
            setCurrentKey(key);
            return;
        }
        schedule.timer(ex.ts);
        schedule.present(key, driver);
        setCurrentKey(key);
        super.processElement(element);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        schedule.watermark(mark.getTimestamp(), driver);
    }

    /** The ledgers buffered since the last barrier, to keyed state, with the trainer's buffers. */
    @Override
    protected void flushMore() throws Exception {
        for (Map.Entry<String, Ledger> e : ledgers.entrySet()) {
            setCurrentKey(e.getKey());
            ledgerState.update(e.getValue().encode());
        }
        ledgers.clear();
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        schedulesState.update(List.of(schedule.state()));
        scheduleState.clear();
    }

    /**
     * The queue of the heap timer service (the job's timers are on the heap, AfmStreamJob#configuration)
     * read through its field: Flink offers no peek at the next timer. Null where it is not that class.
     */
    private static org.apache.flink.runtime.state.InternalPriorityQueue<? extends org.apache.flink.streaming.api.operators.InternalTimer<?, ?>> timerQueue(
            Object service) {
        try {
            java.lang.reflect.Field f = org.apache.flink.streaming.api.operators.InternalTimerServiceImpl.class
                    .getDeclaredField("eventTimeTimersQueue");
            f.setAccessible(true);
            @SuppressWarnings("unchecked")
            var q = (org.apache.flink.runtime.state.InternalPriorityQueue<? extends org.apache.flink.streaming.api.operators.InternalTimer<?, ?>>)
                    f.get(service);
            return q;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** The key in hand's ledger (the keyed-state context being its key). */
    private Ledger ledger(String key) throws Exception {
        Ledger l = ledgers.get(key);
        if (l == null) {
            byte[] b = ledgerState.value();
            l = b != null ? Ledger.decode(b) : Ledger.open(trainer().writeBack().bufferOf(key).shared);
            ledgers.put(key, l);
        }
        return l;
    }

    /** The key in hand's parameters: its write-back buffer over its keyed state. */
    private Exchange.Rows rows(String key) throws Exception {
        return new BufferRows(trainer().writeBack().bufferOf(key), trainer().state());
    }

    /** What the schedule asks of this subtask. */
    private final class Driver implements SyncSchedule.Driver {
        @Override
        public void takeIn(String key, long through) throws Exception {
            setCurrentKey(key);
            List<Long> due = new ArrayList<>();
            for (Long t : mergesState.keys()) {
                if (t <= through) {
                    due.add(t);
                }
            }
            Collections.sort(due);
            for (long t : due) {
                SyncMessage m = SyncMessage.decode(mergesState.get(t));
                Change own = m.ownChange();
                Change merged = m.mergeChange();
                // a row of a local field another replica owns is its alone: this one never scores its value's events
                int refused = exchange.apply(merged, own, merged::isLocalRow, rows(key), ledger(key));
                if (refused > 0) {
                    trainer().metrics().refused.inc(refused);
                }
                mergesState.remove(t);
            }
        }

        /**
         * Fires the timers up to {@code watermark}, here and now (the schedule emits the changes
         * right after); the watermark goes on downstream at tick ends only (the sinks need none
         * between, and a watermark per step of event time is most of the cost on a shuffled graph).
         */
        @Override
        public void advanceTo(long watermark) throws Exception {
            Watermark mark = new Watermark(watermark);
            timeServiceManager.advanceWatermark(mark);
            if (Math.floorMod(watermark + 1, replicas.tickMs()) == 0) {
                output.emitWatermark(mark);
            }
        }

        @Override
        public long nextTimer() {
            if (timerQueue == null) {
                return Long.MIN_VALUE;
            }
            var next = timerQueue.peek();
            return next == null ? Long.MAX_VALUE : next.getTimestamp();
        }

        @Override
        public void emit(String key, long tick) throws Exception {
            setCurrentKey(key);
            if (tick <= ledger(key).lastTick()) {
                return; // a key restored from a schedule that was ahead of this one's: it emitted this tick then
            }
            Change c = exchange.emit(ReplicaKeys.replicaOf(key), tick, rows(key), ledger(key));
            for (byte[] part : ChangeCodec.encodeParts(c, float32, ChangeCodec.PART_BYTES)) { // a record a topic takes by default
                output.collect(CHANGES, new StreamRecord<>(new SyncRecord(ReplicaKeys.modelOf(key), part),
                        (tick + 1) * replicas.tickMs() - 1));
            }
        }
    }
}
