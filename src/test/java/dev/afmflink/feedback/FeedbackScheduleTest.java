package dev.afmflink.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.data.Event;
import dev.afmflink.data.EventKind;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.ExampleWeight;
import dev.afmflink.model.Loss;
import dev.afmflink.model.SplitMix64;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The trainer's one schedule, without Flink: the order of its steps, and its replay driver with the holdout. */
class FeedbackScheduleTest {
    record It(EventKind kind, String id, long ts, double label) implements FeedbackSchedule.Item {
    }

    /** A driver that writes down every call, with a score of 0.25 for everything and the label as the "score before". */
    static class Recorder implements FeedbackSchedule.Held<It>, FeedbackSchedule.Steps<It> {
        final List<String> log = new ArrayList<>();
        final Map<String, List<It>> buckets = new HashMap<>();
        final Map<String, Double> scores = new HashMap<>();

        @Override
        public void hold(FeedbackSchedule.Hold which, It item, long until) {
            log.add("hold " + which + " " + item.id() + " until " + until);
            buckets.computeIfAbsent(which + "@" + which.bucketOf(item, until), k -> new ArrayList<>()).add(item);
        }

        @Override
        public List<It> take(FeedbackSchedule.Hold which, long ts) {
            List<It> b = buckets.remove(which + "@" + ts);
            return b == null ? new ArrayList<>() : b;
        }

        @Override
        public void arrived(It impression) {
            log.add("arrived " + impression.id());
        }

        @Override
        public double score(It item) {
            log.add("score " + item.id());
            return 0.25;
        }

        @Override
        public void remember(It impression, double raw) {
            scores.put(impression.id(), raw);
        }

        @Override
        public Double takeScore(It labelled) {
            return scores.remove(labelled.id());
        }

        @Override
        public void leftOut(It labelled) {
            log.add("left out " + labelled.id());
        }

        @Override
        public void heldOut(It labelled) {
            log.add("held out " + labelled.id());
        }

        @Override
        public double train(It item, double label, ExampleWeight weighting) {
            log.add("train " + item.id() + " label " + label + (weighting == ExampleWeight.ONE ? "" : " weighted"));
            return -1;
        }

        @Override
        public void judged(It item, double raw, boolean trained) {
            log.add("judged " + item.id() + " by " + raw);
        }

        @Override
        public void trained(It item, long at) {
            log.add("trained " + item.id() + (at == Long.MIN_VALUE ? " on arrival" : " at " + at));
        }

        @Override
        public void failed(It item, RuntimeException e) {
            log.add("failed " + item.id());
        }

        @Override
        public void closeWindow(long start, boolean inputEnded) {
            log.add("close " + start + (inputEnded ? " end" : ""));
        }

        @Override
        public void sweep(long t) {
            log.add("sweep " + t);
        }

        @Override
        public void tick(long t) {
            log.add("tick " + t);
        }
    }

    @Test
    void orderedModeHoldsEverythingAndWorksThroughEventTimeInItsOrder() throws Exception {
        Recorder r = new Recorder();
        var s = new FeedbackSchedule<>(FeedbackMode.ORDERED, new EventTimes(100, 50), Holdout.NONE, 0.0, r, r);
        s.arrive(new It(EventKind.IMPRESSION, "a", 10, Double.NaN));
        s.arrive(new It(EventKind.IMPRESSION, "b", 10, Double.NaN));
        s.at(10, false);
        s.arrive(new It(EventKind.LABELLED, "b", 10, 1.0)); // b's click first
        s.arrive(new It(EventKind.LABELLED, "a", 10, 0.0));
        s.arrive(new It(EventKind.EXAMPLE, "x", 110, 1.0));
        s.arrive(new It(EventKind.IMPRESSION, "i", 110, Double.NaN));
        s.arrive(new It(EventKind.LABELLED, "late", 50, 0.0));
        r.log.clear();
        s.at(110, false);
        assertEquals(List.of(
                "train a label 0.0", "judged a by 0.25", "trained a at 110", // released in id order; judged by the score at arrival
                "train b label 1.0", "judged b by 0.25", "trained b at 110",
                "train x label 1.0", "judged x by -1.0", "trained x at 110", // an example: judged by the score before its step
                "score i", // then the impressions of now are scored
                "close -40", "sweep 110", "tick 110"), r.log);
        r.log.clear();
        s.at(150, true); // the end of input: late's window has not passed in the data's own time
        assertEquals(List.of("left out late", "close 0 end", "tick 150"), r.log);
        r.log.clear();
        s.at(Long.MAX_VALUE, true);
        assertEquals(List.of("tick " + Long.MAX_VALUE), r.log, "the end itself: only the last tick");
    }

    @Test
    void modesThatTrainOnArrivalJudgeAndTrainAtOnce() throws Exception {
        Recorder r = new Recorder();
        var s = new FeedbackSchedule<>(FeedbackMode.FAKE_NEGATIVE, new EventTimes(100, 50), new Holdout(2, 10), 0.0, r, r);
        List<String> trainedOnArrival = new ArrayList<>();
        for (String id : List.of("p", "q", "r", "s")) {
            s.arrive(new It(EventKind.IMPRESSION, id, 10, Double.NaN));
            if (!new Holdout(2, 10).selects(id)) {
                trainedOnArrival.add(id);
            }
        }
        assertTrue(!trainedOnArrival.isEmpty() && trainedOnArrival.size() < 4, "the holdout selects some of p, q, r, s");
        for (String id : List.of("p", "q", "r", "s")) {
            boolean held = !trainedOnArrival.contains(id);
            assertEquals(!held, r.log.contains("train " + id + " label 0.0 weighted"), id + ": a fake negative unless held out");
        }
        r.log.clear();
        String heldId = List.of("p", "q", "r", "s").stream().filter(id -> !trainedOnArrival.contains(id)).findFirst().get();
        s.arrive(new It(EventKind.LABELLED, heldId, 10, 1.0));
        assertEquals(List.of("held out " + heldId, "judged " + heldId + " by 0.25"), r.log, "held out: judged, never trained");
        r.log.clear();
        String trainedId = trainedOnArrival.get(0);
        s.arrive(new It(EventKind.LABELLED, trainedId, 10, 0.0));
        assertEquals(List.of("judged " + trainedId + " by 0.25"), r.log, "fake-negative: a negative label is already trained");
        r.log.clear();
        s.arrive(new It(EventKind.LABELLED, trainedId, 10, 1.0));
        assertEquals(List.of("train " + trainedId + " label 1.0 weighted", "judged " + trainedId + " by -1.0",
                "trained " + trainedId + " on arrival"), r.log, "a click trains once more (its score was taken: judged by the step's)");
    }

    /**
     * The replay gains the holdout: in the ordered mode, held-out impressions are judged but never
     * trained, so the model is, bit for bit, the no-delay ideal of the stream without them.
     */
    @Test
    void theReplaysHoldoutKeepsImpressionsOutOfTheModel() {
        AfmConfig config = new AfmConfig(4, 4, Loss.LOGISTIC, 1e-4, 0, 0, 0.9, 0.01, 3, dev.afmflink.optim.OptimizerSpec.ftrl(0.1, 1, 0.5, 0),
                dev.afmflink.optim.OptimizerSpec.adagrad(0.05, 1e-8), dev.afmflink.optim.OptimizerSpec.adagrad(0.05, 1e-8));
        Holdout holdout = new Holdout(4, 100);
        List<Event> events = new ArrayList<>();
        SplitMix64 rnd = new SplitMix64(7);
        long t0 = 1_000_000;
        long window = 2_000;
        for (int i = 0; i < 600; i++) {
            long ts = t0 + 250L * i;
            Example x = new Example(3);
            for (int f = 0; f < 3; f++) {
                x.ids[f] = f * 100 + (rnd.nextLong() & 7);
                x.values[f] = 1.0;
            }
            x.size = 3;
            events.add(new Event(EventKind.IMPRESSION, "imp-" + i, ts, "default", Double.NaN, x));
            if ((x.ids[0] + x.ids[1]) % 3 == 0) {
                events.add(new Event(EventKind.CLICK, "imp-" + i, ts + 700, "default", Double.NaN, null));
            }
        }
        events.sort(java.util.Comparator.comparingLong(Event::ts));
        FeedbackReplay replay = new FeedbackReplay(config, FeedbackMode.ORDERED, window, 100, 1).withHoldout(holdout);
        events.forEach(replay::accept);
        replay.advanceTo(t0 + 10_000_000); // every window passes
        replay.end();

        AfmModel ideal = new AfmModel(config);
        List<Event> kept = events.stream().filter(e -> !holdout.selects(e.id())).toList();
        FeedbackReplay.inEventOrder(ideal, kept, window);
        long heldOut = events.stream().filter(e -> e.type() == EventKind.IMPRESSION && holdout.selects(e.id())).count();
        assertTrue(heldOut > 100 && heldOut < 200, "about one in four: " + heldOut);
        assertEquals(heldOut, replay.heldOut());
        assertEquals(600, replay.judged().size(), "every impression judged, the held-out ones too");
        assertEquals(600 - heldOut, replay.model().shared().examples);
        assertEquals(ideal.shared().examples, replay.model().shared().examples);
        assertTrue(ideal.shared().sameAs(replay.model().shared()), "shared parameters, bit for bit");
        assertEquals(ideal.features().size(), replay.model().features().size());
        for (long id : ideal.features().sortedIds()) {
            assertTrue(ideal.features().get(id).sameValues(replay.model().features().get(id)), "feature " + id);
        }
    }
}
