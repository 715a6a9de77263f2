package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The job's shape by parallelism: at 1 the source, the route, the draining label join and the
 * trainer are one chain (no record serialized or handed to another thread between them); above 1
 * the events cross one shuffle by model key to the trainer and clicks one by impression id to the
 * draining join, whose output the trainer reads as a second input.
 */
class JobGraphTest {
    static List<JobVertex> vertices(int parallelism) {
        StreamSettings s = StreamSettings.builder("127.0.0.1:9", StreamingEndToEndTest.config()).topics("in", "snap", "pred", "dead")
                .groupId("g").checkpoints("/tmp/afm-job-graph", 1000).parallelism(parallelism).build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(AfmStreamJob.configuration(s));
        AfmStreamJob.build(env, s);
        return List.of(env.getStreamGraph().getJobGraph().getVerticesAsArray());
    }

    static JobVertex containing(List<JobVertex> vs, String operator) {
        return vs.stream().filter(v -> v.getName().contains(operator)).findFirst().orElseThrow(
                () -> new AssertionError("no vertex runs " + operator + ": " + vs.stream().map(JobVertex::getName).toList()));
    }

    @Test
    void atParallelismOneTheSourceRouteJoinAndTrainerAreOneChain() {
        List<JobVertex> vs = vertices(1);
        JobVertex trainer = containing(vs, "train AFM");
        for (String op : List.of("kafka: in", "route", "label join", "kafka: pred")) {
            assertTrue(trainer.getName().contains(op), op + " runs in the trainer's chain: " + trainer.getName());
        }
        assertTrue(trainer.getInputs().isEmpty(), "the trainer's chain reads no other task: " + trainer.getInputs());
    }

    @Test
    void aboveOneTheTrainerReadsShuffles() {
        List<JobVertex> vs = vertices(2);
        JobVertex trainer = containing(vs, "train AFM");
        JobVertex source = containing(vs, "route");
        JobVertex join = containing(vs, "label join");
        assertTrue(trainer != source && join != source && join != trainer, vs.stream().map(JobVertex::getName).toList().toString());
        assertEquals(2, trainer.getInputs().size(), "events by model key and the draining join's output");
    }
    @Test
    void theDeadLettersSinkReadsNoWatermarksOfTheEvents() throws Exception {
        for (int parallelism : new int[] {1, 2}) {
            List<JobVertex> vs = vertices(parallelism);
            JobVertex sink = containing(vs, "kafka: dead");
            assertTrue(!sink.getName().contains("route") && !sink.getName().contains("train AFM"), "a task of its own: " + sink.getName());
            // each side output it reads passes an operator that keeps the watermarks back, chained to the operator it reads
            for (String from : List.of("route", "label-join", "train")) {
                JobVertex v = containing(vs, "dead letters of " + from + ", no watermarks");
                assertTrue(v != sink, "in front of the sink, in its operator's chain: " + v.getName());
            }
        }
        try (var h = new OneInputStreamOperatorTestHarness<String, String>(new DropWatermarks<>())) {
            h.open();
            h.processElement(new StreamRecord<>("a", 5));
            h.processWatermark(new Watermark(10));
            h.processElement(new StreamRecord<>("b", 20));
            h.processWatermark(new Watermark(Long.MAX_VALUE));
            assertEquals(List.of(new StreamRecord<>("a", 5), new StreamRecord<>("b", 20), new Watermark(Long.MAX_VALUE)),
                    List.copyOf(h.getOutput()), "records as they are, the end of input, no other watermark");
        }
    }
}
