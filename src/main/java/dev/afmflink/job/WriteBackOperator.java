package dev.afmflink.job;

import java.util.function.Consumer;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;

/**
 * Runs a keyed function that keeps its keys' write-back buffers ({@link WriteBackStore}) and writes
 * them to keyed state before every checkpoint barrier leaves the operator and when the input ends:
 * the only thing a plain {@code KeyedProcessFunction} cannot do itself is switch the keyed-state
 * context to each key. The trainer ({@link AfmTrainerOperator}) and the replicas' merger run on it.
 */
public class WriteBackOperator<IN, OUT> extends KeyedProcessOperator<String, IN, OUT> {
    /** What such a function offers its operator. */
    public interface Buffered {
        /** The operator's way to switch the keyed-state context (set when it opens, before or after the function's open). */
        void keySwitch(Consumer<Object> setKey);

        /** Writes the buffer of every key touched since the last barrier to state; returns the keys written. */
        int flushAll(Consumer<Object> setKey) throws Exception;
    }

    public <F extends KeyedProcessFunction<String, IN, OUT> & Buffered> WriteBackOperator(F function) {
        super(function);
    }

    @Override
    public void open() throws Exception {
        super.open();
        ((Buffered) userFunction).keySwitch(this::setCurrentKey);
    }

    /** Writes the buffers to state, then {@link #flushMore}; the keyed-state context is as before after it. */
    private void flush() throws Exception {
        Object current = getCurrentKey();
        ((Buffered) userFunction).flushAll(this::setCurrentKey);
        flushMore();
        if (current != null) {
            setCurrentKey(current);
        }
    }

    /** What a subclass buffers besides the function's buffers, to state (any key may be set meanwhile). */
    protected void flushMore() throws Exception {
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
