package dev.afmflink.job;

import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * Runs the {@link LabelJoin} that drains savepoints of the jobs before, without holding the
 * trainer's event time back: the trainer's event time must be its main input's alone (the
 * schedule's steps at arrival and in timers follow that input's order, so a model does not depend
 * on how two inputs' watermarks interleave). With nothing restored the operator tells the trainer
 * at once that its output is idle and forwards no watermark; with a restored join it forwards
 * them (the restored impressions' labels must reach the trainer before its event time passes them)
 * until event time has passed everything it holds, then goes idle too.
 */
public class LabelJoinOperator extends KeyedProcessOperator<String, InputEvent, TrainingExample> {
    /** Event time after which nothing restored is left (Long.MIN_VALUE: nothing restored). */
    private transient long drainedAfter;
    private transient boolean idle;

    public LabelJoinOperator(LabelJoin join) {
        super(join);
    }

    @Override
    public void open() throws Exception {
        super.open();
        drainedAfter = ((LabelJoin) userFunction).restoredUntil(getKeyedStateBackend(), this::setCurrentKey);
        if (drainedAfter == Long.MIN_VALUE) {
            goIdle();
        }
    }

    private void goIdle() {
        idle = true;
        output.emitWatermarkStatus(WatermarkStatus.IDLE);
    }

    /** Idle, nothing restored is left: a click is the trainer's alone (no state lookup). */
    @Override
    public void processElement(org.apache.flink.streaming.runtime.streamrecord.StreamRecord<InputEvent> element) throws Exception {
        if (!idle) {
            super.processElement(element);
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (idle) {
            return;
        }
        super.processWatermark(mark); // the restored impressions' timers, then the watermark on
        if (mark.getTimestamp() > drainedAfter) {
            goIdle();
        }
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        if (!idle) {
            super.processWatermarkStatus(status);
        }
    }
}
