package dev.afmflink.job;

import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * Runs the {@link LabelJoin} that drains savepoints of the jobs before, without changing the
 * trainer's event time, in one of two places ({@link AfmStreamJob}):
 * <ul>
 * <li><b>beside the trainer</b> (parallelism above 1: it is keyed by impression id, the trainer by
 * model): it receives clicks only, and its output is the trainer's second input. The trainer's
 * event time must be its main input's alone (the schedule's steps at arrival and in timers follow
 * that input's order, so a model does not depend on how two inputs' watermarks interleave): with
 * nothing restored the operator tells the trainer at once that its output is idle and forwards no
 * watermark; with a restored join it forwards them (the restored impressions' labels must reach the
 * trainer before its event time passes them) until event time has passed everything it holds, then
 * goes idle too.</li>
 * <li><b>in line</b> (parallelism 1: every key is the one subtask's, so both keyed operators run in
 * one chain without a shuffle): every record and watermark passes through it to the trainer, in
 * order; while it holds restored impressions, a click also goes to the join first.</li>
 * </ul>
 */
public class LabelJoinOperator extends KeyedProcessOperator<String, TrainingExample, TrainingExample> {
    private final boolean inLine;
    /** Event time after which nothing restored is left (Long.MIN_VALUE: nothing restored). */
    private transient long drainedAfter;
    private transient boolean idle;

    /** Beside the trainer. */
    public LabelJoinOperator(LabelJoin join) {
        this(join, false);
    }

    /** {@code inLine}: in the trainer's chain, every record passing through (see the class comment). */
    public LabelJoinOperator(LabelJoin join, boolean inLine) {
        super(join);
        this.inLine = inLine;
    }

    @Override
    public void open() throws Exception {
        super.open();
        if (inLine && getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks() != 1) {
            throw new IllegalStateException("the label join runs in line with the trainer only at parallelism 1 (its input is not"
                    + " keyed by a shuffle); this job runs it at " + getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks());
        }
        drainedAfter = ((LabelJoin) userFunction).restoredUntil(getKeyedStateBackend(), this::setCurrentKey);
        if (drainedAfter == Long.MIN_VALUE) {
            goIdle();
        }
    }

    private void goIdle() {
        idle = true;
        if (!inLine) {
            output.emitWatermarkStatus(WatermarkStatus.IDLE);
        }
    }

    /** Idle, a record is only passed on (in line) or dropped: its key is not set (no key serialized per record). */
    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public void setKeyContextElement1(StreamRecord record) throws Exception {
        if (!idle) {
            super.setKeyContextElement1(record);
        }
    }

    /** Idle, nothing restored is left: a click is the trainer's alone (no state lookup). */
    @Override
    public void processElement(StreamRecord<TrainingExample> element) throws Exception {
        if (!idle) {
            super.processElement(element);
        }
        if (inLine) {
            output.collect(element);
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (idle) {
            if (inLine) {
                output.emitWatermark(mark);
            }
            return;
        }
        super.processWatermark(mark); // the restored impressions' timers, then the watermark on
        if (mark.getTimestamp() > drainedAfter) {
            goIdle();
        }
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        if (!idle || inLine) {
            super.processWatermarkStatus(status);
        }
    }
}
