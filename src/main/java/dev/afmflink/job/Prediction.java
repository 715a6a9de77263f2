package dev.afmflink.job;

/**
 * The progressive prediction of one example: what the model said before it learned from it.
 * {@code examples} is the model's example count after the step (its version of the model).
 */
public class Prediction {
    public String model;
    public String id;
    public long ts;
    public double label;
    public double prediction;
    public double loss;
    public long examples;

    public Prediction() {
    }

    public Prediction(String model, String id, long ts, double label, double prediction, double loss, long examples) {
        this.model = model;
        this.id = id;
        this.ts = ts;
        this.label = label;
        this.prediction = prediction;
        this.loss = loss;
        this.examples = examples;
    }
}
