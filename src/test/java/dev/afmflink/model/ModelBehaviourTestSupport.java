package dev.afmflink.model;

import java.util.List;

/** Test fixtures shared with other packages' tests. */
public final class ModelBehaviourTestSupport {
    private ModelBehaviourTestSupport() {
    }

    public static AfmConfig config(Loss loss, double keep) {
        return ModelBehaviourTest.config(loss, keep);
    }

    public static List<Example> stream(int n, long seed) {
        return ModelBehaviourTest.stream(n, seed);
    }
}
