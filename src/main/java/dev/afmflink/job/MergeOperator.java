package dev.afmflink.job;

import org.apache.flink.streaming.api.operators.KeyedProcessOperator;

/** Runs {@link MergeFunction} and writes its merged models' write-back buffers to keyed state before every checkpoint barrier. */
public class MergeOperator extends KeyedProcessOperator<String, SyncRecord, TrainingExample> {
    public MergeOperator(MergeFunction merger) {
        super(merger);
    }

    @Override
    public void open() throws Exception {
        super.open();
        ((MergeFunction) userFunction).keySwitch(this::setCurrentKey);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        Object current = getCurrentKey();
        ((MergeFunction) userFunction).flushAll(this::setCurrentKey);
        if (current != null) {
            setCurrentKey(current);
        }
    }

    @Override
    public void finish() throws Exception {
        super.finish();
        ((MergeFunction) userFunction).flushAll(this::setCurrentKey);
    }
}
