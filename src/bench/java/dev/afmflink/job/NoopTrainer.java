package dev.afmflink.job;

import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The benchmarks' baseline training stage (stream-bench's "noop" row): the same keying and output
 * as the job's trainer, no model. Lives with the benchmarks, outside the product.
 */
public final class NoopTrainer extends KeyedProcessFunction<String, TrainingExample, Prediction> {
    /** The stage for {@link AfmStreamJob#build(org.apache.flink.streaming.api.environment.StreamExecutionEnvironment, StreamSettings, AfmStreamJob.TrainStage)}. */
    public static SingleOutputStreamOperator<Prediction> stage(KeyedStream<TrainingExample, String> byModel) {
        return byModel.process(new NoopTrainer()).name("no-op (benchmark)").uid("train");
    }

    @Override
    public void processElement(TrainingExample ex, Context ctx, Collector<Prediction> out) {
        out.collect(new Prediction(ex.model, ex.id, ex.ts, ex.label, 0.0, 0.0, 0));
    }
}
