package dev.afmflink.job;

import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * Passes records on and says from the start that its output is idle, whatever its input's
 * watermarks: a stream whose event time must not reach the operators downstream (the
 * synchronization topic read back: its watermark bounds the input's read-ahead, {@link SyncProgress},
 * while the trainers' watermark is the events' alone — with the merges' in it, a trainer could never
 * end the tick the merges wait for).
 */
final class WithoutEventTime<T> extends AbstractStreamOperator<T> implements OneInputStreamOperator<T, T> {
    @Override
    public void open() throws Exception {
        super.open();
        output.emitWatermarkStatus(WatermarkStatus.IDLE);
    }

    @Override
    public void processElement(StreamRecord<T> element) {
        output.collect(element);
    }

    @Override
    public void processWatermark(Watermark mark) {
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) {
    }
}
