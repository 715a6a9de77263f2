package dev.afmflink.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.AfmModel;
import dev.afmflink.model.SplitMix64;
import dev.afmflink.snapshot.ModelReader;
import dev.afmflink.snapshot.SnapshotChain;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log the job trained on, replayed offline: {@code bin/afm train} with the job's lifecycle
 * options gives the model the job published at the end of that input, bit for bit; without them
 * (every feature admitted at once) it does not.
 */
class StreamedLogOfflineTest {
    @TempDir
    Path dir;

    @Test
    void trainWithTheJobsLifecycleGivesTheJobsModel() throws Exception {
        Path log = dir.resolve("log.libfm");
        SplitMix64 r = new SplitMix64(3);
        Set<Long> distinct = new HashSet<>();
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
            for (int i = 0; i < 3000; i++) {
                StringBuilder line = new StringBuilder((r.nextLong() & 3) == 0 ? "1" : "-1");
                for (int f = 0; f < 6; f++) {
                    // a skewed vocabulary per field: many ids are seen fewer than four times
                    long u = (r.nextLong() >>> 11) % 1000;
                    long id = f * 100_000L + (u < 700 ? u % 20 : u);
                    distinct.add(id);
                    line.append(' ').append(id).append(":1");
                }
                w.println(line);
            }
        }
        Path work = dir.resolve("job");
        String[] s = FirstHourTest.run("stream", "--input", log.toString(), "--work-dir", work.toString(), "--progress-seconds", "0");
        assertEquals("0", s[0], s[1] + s[2]);
        AfmModel job = SnapshotChain.loadFolder(work.resolve("models").resolve("default")).model();
        assertEquals(3000, job.shared().examples);
        assertTrue(job.features().size() < distinct.size() * 0.9, "admission left rare features out: " + job.features().size()
                + " of " + distinct.size());

        String[] t = FirstHourTest.run("train", "--train", log.toString(), "--loss", "logistic", "--min-count", "4",
                "--feature-ttl", "30d", "--model-out", dir.resolve("offline").toString(), "--progress-every", "1000");
        assertEquals("0", t[0], t[1] + t[2]);
        assertTrue(t[1].contains("feature lifecycle (as the job)"), t[1]);
        AfmModel offline = ModelReader.load(dir.resolve("offline")).model();
        assertSame(job, offline);

        String[] plain = FirstHourTest.run("train", "--train", log.toString(), "--loss", "logistic", "--model-out",
                dir.resolve("plain").toString());
        assertEquals("0", plain[0], plain[1] + plain[2]);
        AfmModel all = ModelReader.load(dir.resolve("plain")).model();
        assertEquals(distinct.size(), all.features().size(), "without the options every feature is admitted");
        assertFalse(all.shared().sameAs(job.shared()));

        // expiry in event time too: the 3,000 lines span 3 s of event time (a line per ms), features live 1 s
        Path work2 = dir.resolve("job-ttl");
        String[] s2 = FirstHourTest.run("stream", "--input", log.toString(), "--work-dir", work2.toString(), "--progress-seconds", "0",
                "--min-count", "2", "--feature-ttl", "1s", "--attribution-window-ms", "100", "--out-of-orderness-ms", "50");
        assertEquals("0", s2[0], s2[1] + s2[2]);
        AfmModel jobTtl = SnapshotChain.loadFolder(work2.resolve("models").resolve("default")).model();
        String[] t2 = FirstHourTest.run("train", "--train", log.toString(), "--loss", "logistic", "--min-count", "2",
                "--feature-ttl", "1s", "--out-of-orderness-ms", "50", "--model-out", dir.resolve("offline-ttl").toString());
        assertEquals("0", t2[0], t2[1] + t2[2]);
        assertSame(jobTtl, ModelReader.load(dir.resolve("offline-ttl")).model());
        String[] t3 = FirstHourTest.run("train", "--train", log.toString(), "--loss", "logistic", "--min-count", "2",
                "--model-out", dir.resolve("offline-no-ttl").toString());
        assertEquals("0", t3[0], t3[1] + t3[2]);
        AfmModel noTtl = ModelReader.load(dir.resolve("offline-no-ttl")).model();
        assertTrue(jobTtl.features().size() < noTtl.features().size() * 0.9, "features expired: " + jobTtl.features().size()
                + " of " + noTtl.features().size());

        String[] refused = FirstHourTest.run("train", "--train", log.toString(), "--min-count", "4", "--passes", "3");
        assertEquals("2", refused[0], refused[1] + refused[2]);
        assertTrue(refused[2].contains("one pass"), refused[2]);
    }

    static void assertSame(AfmModel expected, AfmModel actual) {
        dev.afmflink.model.SameBits.assertSameBits(expected, actual);
    }
}
