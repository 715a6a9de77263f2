package dev.afmflink.job;

/** A decoded, labelled example on its way to the trainer of its model key. A Flink POJO. */
public class TrainingExample {
    public String model;
    public String id;
    public long ts;
    public double label;
    public long[] ids;
    public double[] values;

    public TrainingExample() {
    }

    public TrainingExample(String model, String id, long ts, double label, long[] ids, double[] values) {
        this.model = model;
        this.id = id;
        this.ts = ts;
        this.label = label;
        this.ids = ids;
        this.values = values;
    }
}
