package dev.afmflink.job;

import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.SharedParams;
import dev.afmflink.sync.Exchange;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * One key's parameters as a merge sees them: its write-back buffer over its keyed state (a row
 * from the buffer, else from state; a row a merge makes or changes goes into the buffer, written to
 * state at the next flush, and a new one counts as a feature of the key). The keyed-state context
 * must be the key's.
 */
final class BufferRows implements Exchange.Rows {
    private final WriteBackBuffer b;
    private final TrainerState state;

    BufferRows(WriteBackBuffer b, TrainerState state) {
        this.b = b;
        this.state = state;
    }

    @Override
    public SharedParams shared() {
        return b.shared;
    }

    @Override
    public FeatureParams get(long id) {
        FeatureParams f = b.bufferedRow(id);
        if (f == null) {
            try {
                f = state.features.get(id);
            } catch (Exception e) {
                throw new FlinkRuntimeException("keyed state", e);
            }
        }
        return f;
    }

    @Override
    public void put(long id, FeatureParams f) {
        if (b.publish != null && b.bufferedRow(id) == null) {
            try {
                if (!state.features.contains(id)) {
                    b.publish.features++;
                }
            } catch (Exception e) {
                throw new FlinkRuntimeException("keyed state", e);
            }
        }
        b.rows.put(id, f);
    }
}
