package dev.afmflink.job;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

/**
 * Bounded out-of-orderness watermarks driven by the data alone: a watermark (largest event time
 * seen − bound − 1) goes out whenever it has moved {@code stepMs} past the last one
 * ({@link dev.afmflink.time.WatermarkSteps}, the rule's one home).
 *
 * <p>Flink's periodic generator emits every 200 ms of processing time, so a replay or a backlog
 * reads thousands of events between two watermarks: the label join then releases its unclicked
 * impressions in bursts long after their window ended, and the trainer sees runs of positives,
 * then runs of negatives (on the simulated stream that left the model over-predicting by
 * 30–60 %). One watermark per step of event time keeps labels flowing in event-time order at
 * any reading speed, and — no processing time involved — the same input gives the same
 * watermarks, so a replay trains the same model. A quiet partition is handled by the strategy's
 * idleness, not by this generator.
 */
public final class EventTimeWatermarks implements WatermarkGenerator<InputEvent> {
    private final dev.afmflink.time.WatermarkSteps steps;

    public EventTimeWatermarks(long outOfOrdernessMs, long stepMs) {
        this.steps = new dev.afmflink.time.WatermarkSteps(outOfOrdernessMs, stepMs);
    }

    @Override
    public void onEvent(InputEvent event, long eventTimestamp, WatermarkOutput output) {
        long wm = steps.seen(eventTimestamp);
        if (wm != Long.MIN_VALUE) {
            output.emitWatermark(new Watermark(wm));
        }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        // nothing: watermarks depend on the data only (see the class comment)
    }
}
