package dev.afmflink.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import dev.afmflink.model.SplitMix64;
import dev.afmflink.optim.OptimizerSpec;
import dev.afmflink.snapshot.ModelFormat;
import dev.afmflink.snapshot.ModelHeader;
import dev.afmflink.snapshot.ModelWriter;
import dev.afmflink.snapshot.SnapshotFolders;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The live model follows full + delta snapshots, never shows half a delta, and repairs a broken chain at the next full one. */
class LiveModelTest {
    static final AfmConfig CONFIG = new AfmConfig(8, 8, Loss.LOGISTIC, 0, 0, 0, 1, 0.1, 1, OptimizerSpec.ftrl(0.1, 1, 0.5, 0),
            OptimizerSpec.adagrad(0.05, 1e-8), OptimizerSpec.adagrad(0.05, 1e-8));

    /** Versions 1..n of one model: v1 full, then deltas (every {@code fullEvery}-th full), with a probe's prediction per version. */
    static final class Published {
        final List<byte[]> bytes = new ArrayList<>();
        final List<ModelFormat.Kind> kinds = new ArrayList<>();
        final Map<Long, Double> probe = new HashMap<>();
    }

    static Example probe() {
        return Example.of(0, new long[] {1, 17, 33}, new double[] {1, 1, 1});
    }

    static Published publish(int versions, int fullEvery) throws Exception {
        AfmModel m = new AfmModel(CONFIG);
        SplitMix64 r = new SplitMix64(4);
        Published out = new Published();
        for (int v = 1; v <= versions; v++) {
            TreeSet<Long> changed = new TreeSet<>();
            for (int i = 0; i < 50; i++) {
                long[] ids = {(long) (r.nextDouble() * 16), 16 + (long) (r.nextDouble() * 16), 32 + (long) (r.nextDouble() * 16)};
                Example x = Example.of(ids[0] % 3 == ids[1] % 3 ? 1 : 0, ids, new double[] {1, 1, 1});
                m.train(x, v);
                for (long id : ids) {
                    changed.add(id);
                }
            }
            boolean full = v == 1 || (v - 1) % fullEvery == 0;
            long[] ids = full ? m.features().sortedIds() : changed.stream().mapToLong(Long::longValue).toArray();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            ModelHeader h = new ModelHeader(full ? ModelFormat.Kind.FULL : ModelFormat.Kind.DELTA, v, full ? 0 : v - 1,
                    m.shared().examples, CONFIG);
            try (ModelWriter w = new ModelWriter(b, h, m.shared(), ids.length)) {
                for (long id : ids) {
                    w.put(id, m.features().get(id));
                }
            }
            out.bytes.add(b.toByteArray());
            out.kinds.add(h.kind());
            out.probe.put((long) v, m.predict(probe()));
        }
        return out;
    }

    @Test
    void readersUnderLoadSeeOnlyWholeVersionsWhile100DeltasApply() throws Exception {
        Published p = publish(101, 1000);
        LiveModel live = new LiveModel();
        assertNull(live.read((m, i) -> m), "nothing before the first full snapshot");
        assertFalse(live.apply(p.bytes.get(1), 0, "v2"), "a delta before any full snapshot waits");
        assertTrue(live.apply(p.bytes.get(0), 0, "v1"));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        AtomicLong wrong = new AtomicLong();
        AtomicLong backwards = new AtomicLong();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            Thread th = new Thread(() -> {
                long last = 0;
                try {
                    while (!stop.get()) {
                        double[] seen = live.read((m, info) -> new double[] {m.predict(probe()), info.version()});
                        if (seen[0] != p.probe.get((long) seen[1])) {
                            wrong.incrementAndGet();
                        }
                        if (seen[1] < last) {
                            backwards.incrementAndGet();
                        }
                        last = (long) seen[1];
                        reads.incrementAndGet();
                    }
                } catch (Exception e) {
                    wrong.incrementAndGet();
                }
            });
            th.start();
            readers.add(th);
        }
        for (int v = 2; v <= 101; v++) {
            assertTrue(live.apply(p.bytes.get(v - 1), 1000L * v, "v" + v));
            Thread.sleep(1);
        }
        stop.set(true);
        for (Thread th : readers) {
            th.join();
        }
        assertTrue(reads.get() > 100, "reads: " + reads.get());
        assertEquals(0, wrong.get(), "every read saw one whole version: its probe prediction");
        assertEquals(0, backwards.get());
        assertEquals(101, live.info().version());
        assertEquals(101_000, live.info().publishedAt());
        assertEquals(p.probe.get(101L), live.read((m, i) -> m.predict(probe())));
    }

    @Test
    void requestsGoOnWhileAFullSnapshotIsRead() throws Exception {
        Published p = publish(6, 5); // full at 1 and 6
        LiveModel live = new LiveModel();
        for (int v = 1; v <= 5; v++) {
            assertTrue(live.apply(p.bytes.get(v - 1), 0, "v" + v));
        }
        byte[] full = p.bytes.get(5);
        java.util.concurrent.CountDownLatch halfRead = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.io.InputStream slow = new java.io.InputStream() { // a big file on a slow storage: stops half way until released
            private int pos;

            @Override
            public int read() throws java.io.IOException {
                if (pos == full.length / 2) {
                    halfRead.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException();
                    }
                }
                return pos < full.length ? full[pos++] & 0xFF : -1;
            }
        };
        Thread loader = new Thread(() -> {
            try {
                live.apply(slow, 6000, "v6");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        loader.start();
        assertTrue(halfRead.await(10, java.util.concurrent.TimeUnit.SECONDS));
        // the loader is stuck half way through v6: a request is answered at once, by v5
        java.util.concurrent.Future<double[]> answer = java.util.concurrent.Executors.newSingleThreadExecutor()
                .submit(() -> live.read((m, info) -> new double[] {m.predict(probe()), info.version()}));
        double[] seen = answer.get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(5, (long) seen[1]);
        assertEquals(p.probe.get(5L), seen[0]);
        release.countDown();
        loader.join();
        assertEquals(6, live.info().version());
        assertEquals(p.probe.get(6L), live.read((m, i) -> m.predict(probe())));
    }

    @Test
    void aGapWaitsForTheNextFullSnapshotAndAFolderIsFollowed(@TempDir Path dir) throws Exception {
        Published p = publish(12, 5); // full at 1, 6, 11
        LiveModel live = new LiveModel();
        for (int v : new int[] {1, 2, 3, 5, 6, 7}) { // 4 is lost
            live.apply(p.bytes.get(v - 1), 0, "v" + v);
            if (v == 3) {
                assertEquals(3, live.info().version());
            }
        }
        assertEquals(7, live.info().version(), "5 did not follow 3; the full 6 reloaded, 7 followed it");
        assertEquals(1, live.info().reloads());
        assertEquals(p.probe.get(7L), live.read((m, i) -> m.predict(probe())));
        assertFalse(live.apply(p.bytes.get(2), 0, "v3 again"), "never backwards");

        // a folder of versions as the job writes it, followed by polling
        Path model = dir.resolve("default");
        LiveModel follower = new LiveModel();
        assertEquals(0, follower.pollFolder(model), "no folder yet");
        for (int v = 1; v <= 12; v++) {
            SnapshotFolders.writeLocal(dir, "default", v, p.kinds.get(v - 1), p.bytes.get(v - 1));
            if (v == 8) {
                assertEquals(3, follower.pollFolder(model), "from the latest full (6): 6, 7, 8");
                assertEquals(8, follower.info().version());
            }
        }
        assertEquals(4, follower.pollFolder(model), "then 9 to 12");
        assertEquals(p.probe.get(12L), follower.read((m, i) -> m.predict(probe())));
    }
}
