package dev.afmflink.job;

import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Passes records on and keeps watermarks back, all but the end of input's. It sits in front of the
 * dead letters' sink, a task of its own that reads the side outputs of the route, the draining join
 * and the trainer: each watermark of the events (one per step of event time, about one per impression
 * when a stream is replayed) otherwise crossed the network to it from all three, to a Kafka writer that
 * has no use for event time. Chained to the operator whose side output it reads.
 */
final class DropWatermarks<T> extends AbstractStreamOperator<T> implements OneInputStreamOperator<T, T> {
    @Override
    public void processElement(StreamRecord<T> element) {
        output.collect(element);
    }

    @Override
    public void processWatermark(Watermark mark) {
        if (mark.getTimestamp() == Long.MAX_VALUE) {
            output.emitWatermark(mark);
        }
    }
}
