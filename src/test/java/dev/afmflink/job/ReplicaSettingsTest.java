package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.sync.MergeRule;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** What one model on several trainers does not take yet is refused at start, with the option to change; one trainer takes it all. */
class ReplicaSettingsTest {
    static final ReplicaSettings TWO = new ReplicaSettings(2, 1000, 1, MergeRule.MEAN_STEPS, "sync");

    static StreamSettings base(ReplicaSettings r) {
        return StreamSettings.builder("127.0.0.1:9", ReplicaJobTest.config()).checkpoints("/tmp/unused-checkpoints", 1000).replicas(r).build();
    }

    static String refusal(UnaryOperator<StreamSettings> change) {
        assertTrue(change.apply(base(ReplicaSettings.ONE)) != null, "one trainer per model takes it");
        return assertThrows(IllegalArgumentException.class, () -> change.apply(base(TWO))).getMessage();
    }

    @Test
    void whatReplicasDoNotTakeYetIsRefusedClearly() {
        assertEquals(MergeRule.MEAN_STEPS, ReplicaSettings.ONE.rule(), "the default rule");
        assertTrue(refusal(s -> s.withLifecycle(FeatureLifecycle.of(4, 0))).contains("--min-count 1 --feature-ttl 0"));
        assertTrue(refusal(s -> s.withLifecycle(FeatureLifecycle.of(1, 86_400_000L))).contains("--min-count 1 --feature-ttl 0"));
        assertTrue(refusal(s -> s.withFeedback(new FeedbackSettings(10_000, 200, 0, 60_000, dev.afmflink.metrics.QualityGate.OPEN,
                null, FeedbackMode.IMMEDIATE))).contains("ordered"));
        FeedbackSettings f = FeedbackSettings.DEFAULTS;
        assertTrue(refusal(s -> s.withFeedback(new FeedbackSettings(f.attributionWindowMs(), f.outOfOrdernessMs(), f.idlenessMs(),
                f.validationWindowMs(), f.gate(), f.metricsTopic(), f.mode(), new dev.afmflink.feedback.Holdout(10, 100),
                f.predictions(), f.choice()))).contains("--holdout-every"));
        assertTrue(refusal(s -> s.withFeedback(new FeedbackSettings(f.attributionWindowMs(), f.outOfOrdernessMs(), f.idlenessMs(),
                f.validationWindowMs(), new dev.afmflink.metrics.QualityGate(0.6, Double.NaN, Double.NaN), f.metricsTopic(), f.mode())))
                .contains("quality gate"));
        assertEquals(2, base(TWO).replicas().replicas(), "the defaults otherwise are taken");
    }

    @Test
    void aRouteFieldNeedsReplicasAndLocalFieldsNeedARouteField() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ReplicaSettings(1, 1000, 1, MergeRule.MEAN_STEPS, "s",
                "user", java.util.List.of())).getMessage().contains("--trainers-per-model above 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ReplicaSettings(2, 1000, 1, MergeRule.MEAN_STEPS, "s",
                null, java.util.List.of("user"))).getMessage().contains("needs --route-field"));
        assertThrows(IllegalArgumentException.class, () -> new ReplicaSettings(2, 1000, 1, MergeRule.MEAN_STEPS, "s", " ",
                java.util.List.of()));
        ReplicaSettings byUser = new ReplicaSettings(2, 1000, 1, MergeRule.MEAN_STEPS, "sync", "user", java.util.List.of("user"));
        TrainingExample click = new TrainingExample(dev.afmflink.data.EventKind.CLICK, "m", "imp-1", 0, Double.NaN, null, null);
        click.route = dev.afmflink.data.FeatureHash.of("user", "u42");
        TrainingExample impression = new TrainingExample(dev.afmflink.data.EventKind.IMPRESSION, "m", "imp-1", 0, Double.NaN,
                new long[] {dev.afmflink.data.FeatureHash.of("ad", "a1"), click.route}, new double[] {1, 1});
        impression.route = dev.afmflink.sync.ReplicaRoute.featureOf("user", impression.ids, new String[] {"ad", "user"}, 2);
        assertEquals(click.route, impression.route);
        assertEquals(byUser.replicaOf(click), byUser.replicaOf(impression));
        assertEquals(dev.afmflink.sync.ReplicaRoute.ofFeature(click.route, 2), byUser.replicaOf(click));
        // users spread over the replicas: of 1,000 users, about half each
        int first = 0;
        for (int u = 0; u < 1000; u++) {
            click.route = dev.afmflink.data.FeatureHash.of("user", "u" + u);
            first += byUser.replicaOf(click) == 0 ? 1 : 0;
        }
        assertTrue(first > 430 && first < 570, first + " of 1,000 users on replica 0");
    }

    /**
     * The read-ahead bound: 8 ticks by default, at least the lag plus 2 (below that the input could pause before the
     * change the trainers wait for is written), 0 for none.
     */
    @Test
    void theReadAheadBoundCoversTheLagOrIsOff() {
        assertEquals(ReplicaSettings.DEFAULT_READ_AHEAD_TICKS, TWO.readAheadTicks());
        assertEquals(8_000, TWO.readAheadMs());
        ReplicaSettings lag9 = new ReplicaSettings(2, 1000, 9, MergeRule.MEAN_STEPS, "sync");
        assertEquals(11, lag9.readAheadTicks(), "the default grows with the lag");
        assertEquals(0, TWO.withReadAhead(0).readAheadMs());
        assertEquals(3, TWO.withReadAhead(3).readAheadTicks());
        String m = assertThrows(IllegalArgumentException.class, () -> TWO.withReadAhead(2)).getMessage();
        assertTrue(m.contains("--sync-read-ahead") && m.contains("--sync-lag + 2 = 3"), m);
    }
}
