package dev.afmflink.job;

import org.apache.flink.streaming.api.operators.KeyedProcessOperator;

/**
 * Runs {@link AfmTrainer} and writes its write-back buffers to keyed state before every
 * checkpoint barrier leaves the operator and when the input ends: the only thing a plain
 * {@code KeyedProcessFunction} cannot do itself is switch the keyed-state context to each key.
 */
public class AfmTrainerOperator extends KeyedProcessOperator<String, TrainingExample, Prediction> {

    public AfmTrainerOperator(AfmTrainer trainer) {
        super(trainer);
    }

    @Override
    public void open() throws Exception {
        super.open();
        ((AfmTrainer) userFunction).keySwitch(this::setCurrentKey);
    }

    private void flush() throws Exception {
        Object current = getCurrentKey();
        ((AfmTrainer) userFunction).flushAll(this::setCurrentKey);
        if (current != null) {
            setCurrentKey(current);
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        flush();
    }

    @Override
    public void finish() throws Exception {
        super.finish();
        flush();
    }
}
