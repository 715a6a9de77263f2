package dev.afmflink.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.data.EventDecoder;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.feedback.ReplicaReplay;
import dev.afmflink.job.AfmStreamJob;
import dev.afmflink.job.ReplicaSettings;
import dev.afmflink.model.AfmModel;
import dev.afmflink.snapshot.ModelReader;
import dev.afmflink.snapshot.SnapshotChain;
import dev.afmflink.sync.MergeRule;
import dev.afmflink.time.EventTime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/afm replay}: a click-stream the job trained on (with a record it dead-letters and an
 * event of another model key), replayed offline with the job's defaults, gives the model the job
 * published at the end of that input, bit for bit; with several trainers per model it is the
 * replay of such a run on the same records.
 */
class ReplayCommandTest {
    @TempDir
    Path dir;

    @Test
    void aClickStreamTheJobTrainedOnReplaysToTheJobsModel() throws Exception {
        Path log = dir.resolve("events.jsonl");
        List<String> lines = new ArrayList<>();
        new ClickSimulator(5).clickStream(3000, EventTime.FILE_START_MS, 250, "default").forEachRemaining(lines::add);
        lines.add(100, "not an event");
        lines.add(200, "{\"type\":\"example\",\"id\":\"x\",\"ts\":" + (EventTime.FILE_START_MS + 60_000)
                + ",\"model\":\"other\",\"label\":1,\"features\":{\"a\":\"b\"}}");
        Files.write(log, lines, StandardCharsets.UTF_8);

        Path work = dir.resolve("job");
        String[] s = FirstHourTest.run("stream", "--input", log.toString(), "--work-dir", work.toString(), "--progress-seconds", "0");
        assertEquals("0", s[0], s[1] + s[2]);
        AfmModel job = SnapshotChain.loadFolder(work.resolve("models").resolve("default")).model();

        String[] r = FirstHourTest.run("replay", "--events", log.toString(), "--model-out", dir.resolve("offline").toString());
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("1 left out as the job dead-letters them {undecodable=1}"), r[1]);
        StreamedLogOfflineTest.assertSame(job, ModelReader.load(dir.resolve("offline")).model());
        assertTrue(job.shared().examples > 2500, "trained " + job.shared().examples);

        // two trainers per model: the replay of such a run on the same records, ids and event times as the job reads them
        String[] two = FirstHourTest.run("replay", "--events", log.toString(), "--trainers-per-model", "2", "--sync-tick-ms", "10000",
                "--min-count", "1", "--feature-ttl", "0", "--model-out", dir.resolve("two").toString());
        assertEquals("0", two[0], two[1] + two[2]);
        assertTrue(two[1].contains("(2 trainers, "), two[1]);
        AfmModel replicated = ModelReader.load(dir.resolve("two")).model();
        ReplicaSettings rs = new ReplicaSettings(2, 10_000, ReplicaSettings.ONE.lag(), MergeRule.MEAN_STEPS, "unused");
        ReplicaReplay expected = new ReplicaReplay(replicated.config(), 600_000, EventTime.DEFAULT_OUT_OF_ORDERNESS_MS,
                AfmStreamJob.watermarkStepMs(rs), 2, rs.tickMs(), rs.lag(), rs.rule());
        EventDecoder dec = new EventDecoder(replicated.config().loss(), 1 << 20);
        long n = 0;
        for (String line : lines) {
            try {
                var e = dec.decode(line.getBytes(StandardCharsets.UTF_8), "afm-input-0-" + n, EventTime.ofRecord(n));
                if (e.model().equals("default")) {
                    expected.accept(e);
                } else {
                    expected.advanceTo(e.ts());
                }
            } catch (EventDecoder.BadEventException bad) {
                // left out, as the job does
            }
            n++;
        }
        expected.end();
        StreamedLogOfflineTest.assertSame(expected.model(), replicated);
        assertFalse(replicated.shared().sameAs(job.shared()));

        String[] refused = FirstHourTest.run("replay", "--events", log.toString(), "--trainers-per-model", "2");
        assertEquals("2", refused[0], refused[1] + refused[2]);
        assertTrue((refused[1] + refused[2]).contains("--min-count 1 --feature-ttl 0"), refused[1] + refused[2]);
    }
}
