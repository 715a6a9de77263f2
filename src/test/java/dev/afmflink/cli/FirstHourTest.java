package dev.afmflink.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.embedded.FileReplay;
import dev.afmflink.embedded.KafkaBroker;
import dev.afmflink.model.AfmModel;
import dev.afmflink.snapshot.SnapshotChain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's first hour (issue 19): one's own events train in the embedded default with one command,
 * and the same file through {@code bin/afm produce} to a separate broker gives the same model; errors
 * say why in one line, before work starts.
 */
class FirstHourTest {
    @TempDir
    Path dir;

    /** Runs a command as bin/afm does; returns {exit code, stdout, stderr}. */
    static String[] run(String... argv) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(argv);
            return new String[] {Integer.toString(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void ownEventsTrainInTheEmbeddedDefaultAndThroughProduceToTheSameModel() throws Exception {
        List<String> events = new ArrayList<>();
        new ClickSimulator(5).clickStream(3000, FileReplay.START, 250, "default").forEachRemaining(events::add);
        Path file = dir.resolve("my-events.jsonl.gz");
        try (var w = new java.io.OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(file)), StandardCharsets.UTF_8)) {
            for (String e : events) {
                w.write(e + "\n");
            }
        }
        Path w1 = dir.resolve("embedded");
        String[] r = run("stream", "--input", file.toString(), "--work-dir", w1.toString(), "--progress-seconds", "0");
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("replayed " + events.size() + " records"), r[1]);
        AfmModel embedded = SnapshotChain.loadFolder(w1.resolve("models").resolve("default")).model();
        assertTrue(embedded.shared().examples > 2000, "trained: " + embedded.shared().examples);

        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("other-kafka"), 120)) {
            broker.createTopics(List.of("afm-input", "afm-snapshots", "afm-predictions", "afm-dead-letters", "afm-metrics"),
                    "afm-snapshots");
            String[] p = run("produce", "--bootstrap-servers", broker.bootstrapServers(), "--topic", "afm-input", file.toString());
            assertEquals("0", p[0], p[1] + p[2]);
            assertTrue(p[1].contains("sent " + events.size() + " records"), p[1]);
            Path w2 = dir.resolve("separate");
            String[] s = run("stream", "--bootstrap-servers", broker.bootstrapServers(), "--bounded", "--work-dir", w2.toString(),
                    "--snapshot-dir", w2.resolve("models").toString(), "--progress-seconds", "0");
            assertEquals("0", s[0], s[1] + s[2]);
            AfmModel separate = SnapshotChain.loadFolder(w2.resolve("models").resolve("default")).model();
            assertEquals(embedded.shared().examples, separate.shared().examples);
            assertTrue(embedded.shared().sameAs(separate.shared()), "the same model, bit for bit");
            assertEquals(embedded.features().size(), separate.features().size());
            for (long id : embedded.features().sortedIds()) {
                assertTrue(embedded.features().get(id).sameValues(separate.features().get(id)), "feature " + id);
            }
        }
    }

    /**
     * `bin/afm stream --candidate …` end to end (embedded broker, MiniCluster, RocksDB): the key's
     * published model is, bit for bit, the model the leader's options train in a plain run; the console
     * names the candidates and sums up the choice; the metrics file holds every candidate's windows.
     */
    @Test
    void candidatesPublishTheLeaderAsAPlainRunOfItsOptions() throws Exception {
        List<String> events = new ArrayList<>();
        new ClickSimulator(5).clickStream(3000, FileReplay.START, 250, "default").forEachRemaining(events::add);
        Path file = dir.resolve("events.jsonl");
        Files.write(file, events, StandardCharsets.UTF_8);
        java.util.Map<String, String> options = new java.util.LinkedHashMap<>();
        options.put("before", "--lr-embedding 0.05 --init-acc-embedding 1e-8");
        options.put("defaults", "");
        Path w = dir.resolve("candidates");
        List<String> argv = new ArrayList<>(List.of("stream", "--input", file.toString(), "--work-dir", w.toString(),
                "--progress-seconds", "1", "--validation-window-ms", "60000", "--candidate-windows", "1"));
        options.forEach((name, o) -> argv.addAll(List.of("--candidate", name + ": " + o)));
        String[] r = run(argv.toArray(new String[0]));
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("candidate before: ") && r[1].contains("candidate defaults: "), r[1]);
        assertTrue(r[1].contains("last quarter of the windows"), r[1]);
        String leader = "before";
        java.util.Set<String> judged = new java.util.HashSet<>();
        for (String line : Files.readAllLines(w.resolve("metrics.jsonl"))) {
            var m = dev.afmflink.metrics.MetricsLine.parse(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line));
            if (m != null && m.event().equals("leader")) {
                leader = m.detail().substring(0, m.detail().indexOf(' '));
            } else if (m != null && m.detail() != null && (m.event().equals("window") || m.event().equals("candidate_window"))) {
                judged.add(m.detail());
            }
        }
        assertEquals(options.keySet(), judged, "every candidate's windows");
        AfmModel chosen = SnapshotChain.loadFolder(w.resolve("models").resolve("default")).model();

        Path plain = dir.resolve("plain");
        List<String> alone = new ArrayList<>(List.of("stream", "--input", file.toString(), "--work-dir", plain.toString(),
                "--progress-seconds", "0", "--validation-window-ms", "60000"));
        if (!options.get(leader).isEmpty()) {
            alone.addAll(List.of(options.get(leader).split(" ")));
        }
        String[] s = run(alone.toArray(new String[0]));
        assertEquals("0", s[0], s[1] + s[2]);
        AfmModel own = SnapshotChain.loadFolder(plain.resolve("models").resolve("default")).model();
        assertEquals(own.shared().examples, chosen.shared().examples);
        assertTrue(own.shared().sameAs(chosen.shared()), "leader " + leader + ": the same model, bit for bit");
        assertEquals(own.features().size(), chosen.features().size());
        for (long id : own.features().sortedIds()) {
            assertTrue(own.features().get(id).sameValues(chosen.features().get(id)), "feature " + id);
        }
    }

    /**
     * A job that fails again and again (here: a snapshot folder no one can create) restarts a
     * bounded number of times, each restart printed as it happens, then ends FAILED with its cause.
     */
    @Test
    void aJobThatCannotMakeProgressSaysSoAndStops() throws Exception {
        Path file = dir.resolve("examples.jsonl");
        List<String> lines = new ArrayList<>();
        ClickSimulator sim = new ClickSimulator(2);
        for (int i = 0; i < 2000; i++) {
            lines.add(sim.nextExampleJson(FileReplay.START + i * 1000L, "default"));
        }
        Files.write(file, lines);
        long t0 = System.nanoTime();
        String[] r = run("stream", "--input", file.toString(), "--snapshot-dir", "/proc/afm-no-such-folder", "--work-dir",
                dir.resolve("w").toString(), "--progress-seconds", "1");
        assertEquals("1", r[0], r[1] + r[2]);
        for (int n = 1; n <= dev.afmflink.job.AfmStreamJob.LOCAL_MAX_FAILURES; n++) {
            assertTrue(r[1].contains("job RESTARTING after a task failure (" + n + " so far"), r[1]);
        }
        assertFalse(r[1].contains("(" + (dev.afmflink.job.AfmStreamJob.LOCAL_MAX_FAILURES + 1) + " so far"), r[1]);
        assertTrue(r[1].contains("job FAILED: java.io.IOException: Mkdirs failed"), r[1]);
        assertTrue((System.nanoTime() - t0) / 1e9 < 120, "ends by itself");
    }

    @Test
    void errorsSayWhyInOneLineBeforeWorkStarts() throws Exception {
        String[] r = run("stream", "--bootstrap-server", "x:9092");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("unknown option --bootstrap-server (did you mean --bootstrap-servers?)"), r[2]);
        assertTrue(r[2].strip().lines().count() <= 2, "one line and where to look, not the whole help: " + r[2]);
        r = run("score", "--model", dir.toString(), "--input", "/nonexistent", "--output", dir.resolve("o").toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--input /nonexistent: no such file or directory"), r[2]);
        r = run("train", "--train", dir.resolve("shared/data/frappe/frappe.validation.libfm.gz").toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("no such file or directory") && r[2].contains("What you need"), r[2]);
        assertFalse(r[1].contains("config:"), "nothing started: " + r[1]);
        r = run("stream", "--input", "/nonexistent.jsonl");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--input /nonexistent.jsonl: no such file or directory"), r[2]);
        r = run("serve", "--model", "/nonexistent/dir", "--port", "0", "--seconds", "1");
        assertEquals("0", r[0]);
        assertTrue(r[2].contains("/nonexistent/dir does not exist (yet)"), "a warning, not 503 in silence: " + r[2]);
        r = run("produce", "--bootstrap-servers", "127.0.0.1:1");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("give at least one FILE"), r[2]);
    }
}
