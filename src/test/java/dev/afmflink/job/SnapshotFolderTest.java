package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.Holdout;
import dev.afmflink.metrics.QualityGate;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.SplitMix64;
import dev.afmflink.snapshot.ModelFormat;
import dev.afmflink.snapshot.ModelHeader;
import dev.afmflink.snapshot.ModelReader;
import dev.afmflink.snapshot.ModelWriter;
import dev.afmflink.snapshot.SnapshotChain;
import dev.afmflink.snapshot.SnapshotFolders;
import dev.afmflink.snapshot.SnapshotPointer;
import dev.afmflink.snapshot.SnapshotStorage;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots written by the trainer straight from state into version folders on a Flink file
 * system, travelling as pointers when large: the same bytes on every backend, no sort on RocksDB,
 * an object store (no rename) committed by the marker alone, a reader never seeing half a version.
 */
class SnapshotFolderTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void readersOfEveryScheme() {
        SnapshotStorage.register(FlinkSnapshotStorage::forLocation); // as bin/afm does
    }

    /** Ids over the whole unsigned range (negative longs sort after positive ones in the file order). */
    private static long id(SplitMix64 r, int field) {
        long small = 1 + (long) (r.nextDouble() * 40);
        return field == 0 ? small : field == 1 ? -small : Long.MIN_VALUE + field * 100 + small;
    }

    private static List<StreamRecord<SnapshotRecord>> run(boolean rocksdb, String folder, long inlineBytes, AfmTrainer[] out)
            throws Exception {
        AfmTrainer t = new AfmTrainer(TrainerSettings.builder(StreamingEndToEndTest.config()).publishEvery(150).fullEvery(2)
                .windows(60_000, 50).gate(QualityGate.OPEN).mode(FeedbackMode.IMMEDIATE).holdout(Holdout.NONE)
                .snapshotFolder(folder, inlineBytes).build());
        out[0] = t;
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new AfmTrainerOperator(t), new AfmStreamJob.ModelKey(), Types.STRING);
        if (rocksdb) {
            h.setStateBackend(new EmbeddedRocksDBStateBackend());
        }
        h.open();
        SplitMix64 r = new SplitMix64(5);
        for (int i = 0; i < 1200; i++) {
            long[] ids = {id(r, 0), id(r, 1), id(r, 2)};
            h.processElement(new TrainingExample("m", "e-" + i, 1000 + i, (ids[0] + ids[1]) % 3 == 0 ? 1 : 0, ids,
                    new double[] {1, 1, 1}), 1000 + i);
        }
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        List<StreamRecord<SnapshotRecord>> recs = new ArrayList<>(h.getSideOutput(AfmTrainer.SNAPSHOTS));
        h.close();
        return recs;
    }

    @Test
    void rocksDbStreamsStateInFileOrderAndEveryBackendWritesTheSameBytes() throws Exception {
        AfmTrainer[] heapTrainer = new AfmTrainer[1];
        AfmTrainer[] rocksTrainer = new AfmTrainer[1];
        String heapDir = dir.resolve("heap").toUri().toString();
        String rocksDir = dir.resolve("rocks").toString();
        var heap = run(false, heapDir, 0, heapTrainer);
        var rocks = run(true, rocksDir, 0, rocksTrainer);
        assertTrue(heap.size() >= 8, "fulls and deltas: " + heap.size());
        assertEquals(heap.size(), rocks.size());
        assertEquals(0, rocksTrainer[0].publisher().sortedWrites(), "RocksDB iterates in the file's id order: nothing sorted on the heap");
        assertTrue(heapTrainer[0].publisher().sortedWrites() > 0, "the heap backend's order is caught and sorted");
        SnapshotChain fromTopic = new SnapshotChain();
        for (int i = 0; i < heap.size(); i++) {
            SnapshotRecord a = heap.get(i).getValue();
            SnapshotRecord b = rocks.get(i).getValue();
            assertEquals(a.sha256, b.sha256, "version " + a.version + ": the same bytes on both backends");
            assertNull(b.bytes, "inline limit 0: every record a pointer");
            byte[] value = b.value();
            assertTrue(SnapshotPointer.isPointer(value));
            assertEquals(b.size, Files.size(SnapshotFolders.local(b.uri)));
            assertTrue(fromTopic.applyRecord(value, "v" + b.version), "version " + b.version + " follows");
        }
        SnapshotChain heapFolder = SnapshotChain.loadFolder(SnapshotStorage.of(heapDir), heapDir + "/m", null);
        SnapshotChain rocksFolder = SnapshotChain.loadFolder(dir.resolve("rocks").resolve("m"));
        assertEquals(fromTopic.version(), rocksFolder.version());
        StreamingEndToEndTest.assertSameBits(fromTopic.model(), rocksFolder.model());
        StreamingEndToEndTest.assertSameBits(fromTopic.model(), heapFolder.model());
        // what the file says is what the harness trained: every id of the unsigned range, in file order
        long[] ids = fromTopic.model().features().sortedIds();
        assertTrue(ids[0] > 0 && ids[ids.length - 1] < 0, "positive ids first, then the ones with the top bit set");
    }

    @Test
    void smallSnapshotsTravelInlineAndStillGoToTheirFolder() throws Exception {
        var recs = run(true, dir.toString(), 1_000_000, new AfmTrainer[1]);
        for (var rec : recs) {
            SnapshotRecord s = rec.getValue();
            assertNotNull(s.bytes, "small: inline");
            assertEquals(ModelFormat.digest(s.bytes), s.sha256);
            assertArrayEquals(s.bytes, Files.readAllBytes(SnapshotFolders.local(s.uri)));
        }
    }

    @Test
    void withoutAFolderASnapshotOverTheRecordLimitIsNotPublishedAndTrainingGoesOn() throws Exception {
        AfmTrainer t = new AfmTrainer(TrainerSettings.builder(StreamingEndToEndTest.config()).publishEvery(20).fullEvery(0)
                .windows(60_000, 50).gate(QualityGate.OPEN).mode(FeedbackMode.IMMEDIATE).holdout(Holdout.NONE)
                .recordLimit(20_000).build());
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new AfmTrainerOperator(t), new AfmStreamJob.ModelKey(), Types.STRING);
        h.open();
        for (int i = 0; i < 1000; i++) { // a new feature every example: the model outgrows 20 kB after a few publishes
            h.processElement(new TrainingExample("m", "e-" + i, 1000 + i, i % 2, new long[] {i, 5000 + i % 7},
                    new double[] {1, 1}), 1000 + i);
        }
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        var recs = h.getSideOutput(AfmTrainer.SNAPSHOTS);
        assertFalse(recs.isEmpty(), "small snapshots went out");
        for (var rec : recs) {
            assertTrue(rec.getValue().size <= 20_000);
        }
        assertTrue(recs.size() < 10, "the larger ones did not: " + recs.size() + " of 50 tries");
        assertTrue(t.metrics().snapshotsTooLarge.getCount() > 0 && t.metrics().snapshotsTooLarge.getCount() < 50, "each tried once per 20 examples: " + t.metrics().snapshotsTooLarge.getCount());
        assertEquals(1000, h.extractOutputValues().size(), "every example trained and judged");
        h.close();
    }

    /** A model file written through {@code out} by halves: {@code between} runs in the middle. */
    private static byte[] write(AfmModel m, long version, OutputStream out, Runnable between) throws Exception {
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        ModelWriter w = new ModelWriter(whole, new ModelHeader(ModelFormat.Kind.FULL, version, 0, m.shared().examples,
                m.config()), m.shared(), ModelFormat.STREAMED);
        for (long id : m.features().sortedIds()) {
            w.put(id, m.features().get(id));
        }
        w.close();
        byte[] bytes = whole.toByteArray();
        out.write(bytes, 0, bytes.length / 2);
        out.flush();
        between.run();
        out.write(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
        out.close();
        return bytes;
    }

    private static AfmModel model(int seed, int n) {
        AfmModel m = new AfmModel(StreamingEndToEndTest.config());
        SplitMix64 r = new SplitMix64(seed);
        for (int i = 0; i < n; i++) {
            m.train(Example.of(i % 2, new long[] {id(r, 0), id(r, 1), id(r, 2)}, new double[] {1, 1, 1}), i);
        }
        return m;
    }

    @Test
    void onAnObjectStoreAVersionAppearsWithItsMarkerOnlyAndIsNeverReplaced() throws Exception {
        String root = ObjectStoreFileSystem.SCHEME + "://" + dir.toAbsolutePath();
        SnapshotStorage storage = SnapshotStorage.of(root);
        assertTrue(storage instanceof FlinkSnapshotStorage, "read through Flink's file systems, as a remote scheme");
        SnapshotStore store = new SnapshotStore(root);
        int renames = ObjectStoreFileSystem.RENAMES.get();
        String model = root + "/m";
        for (int v = 1; v <= 3; v++) {
            AfmModel m = model(v, 200 * v);
            SnapshotStore.Pending p = store.begin("m", v, ModelFormat.Kind.FULL);
            int version = v;
            byte[] bytes = write(m, v, p.stream(), () -> {
                try {
                    assertTrue(Files.exists(dir.resolve("m").resolve(SnapshotFolders.name(version, ModelFormat.Kind.FULL))
                            .resolve(ModelFormat.FILE_NAME)), "written in place: no rename on an object store");
                    assertEquals(version - 1, SnapshotFolders.list(storage, model).size(), "half a file: not a version yet");
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertEquals(version - 1, SnapshotFolders.list(storage, model).size(), "the whole file, no marker: not yet");
            assertEquals(SnapshotStore.Outcome.WRITTEN, p.commit(ModelFormat.digest(bytes), bytes.length));
            assertEquals(version, SnapshotFolders.list(storage, model).size(), "the marker commits it");
            ModelReader.Loaded loaded = ModelReader.load(model, null);
            assertEquals(v, loaded.header().modelVersion());
            StreamingEndToEndTest.assertSameBits(m, loaded.model());
        }
        assertEquals(renames, ObjectStoreFileSystem.RENAMES.get(), "nothing renamed");

        // version 3 again: the same bytes are a replay, other bytes a conflict; the first stays either way
        byte[] three = Files.readAllBytes(dir.resolve("m").resolve(SnapshotFolders.name(3, ModelFormat.Kind.FULL))
                .resolve(ModelFormat.FILE_NAME));
        SnapshotStore.Pending again = store.begin("m", 3, ModelFormat.Kind.FULL);
        byte[] same = write(model(3, 600), 3, again.stream(), () -> { });
        assertArrayEquals(three, same);
        assertEquals(SnapshotStore.Outcome.REPLAY, again.commit(ModelFormat.digest(same), same.length));
        SnapshotStore.Pending other = store.begin("m", 3, ModelFormat.Kind.FULL);
        byte[] different = write(model(4, 600), 3, other.stream(), () -> { });
        assertEquals(SnapshotStore.Outcome.CONFLICT, other.commit(ModelFormat.digest(different), different.length));
        assertArrayEquals(three, Files.readAllBytes(dir.resolve("m").resolve(SnapshotFolders.name(3, ModelFormat.Kind.FULL))
                .resolve(ModelFormat.FILE_NAME)), "the first version 3 stays");
        try (var names = Files.list(dir.resolve("m"))) {
            assertEquals(3, names.count(), "no work folder left behind");
        }
    }

    @Test
    void onAFileSystemThatRenamesTheVersionIsWrittenAsideAndRenamedIn() throws Exception {
        String root = dir.toUri().toString(); // file:///…
        SnapshotStore store = new SnapshotStore(root);
        SnapshotStore.Pending p = store.begin("m", 1, ModelFormat.Kind.FULL);
        byte[] bytes = write(model(1, 100), 1, p.stream(), () -> assertFalse(Files.exists(dir.resolve("m")
                .resolve(SnapshotFolders.name(1, ModelFormat.Kind.FULL))), "nothing under the version's name while writing"));
        assertEquals(SnapshotStore.Outcome.WRITTEN, p.commit(ModelFormat.digest(bytes), bytes.length));
        assertEquals(1, SnapshotFolders.list(dir.resolve("m")).size());
        // an aborted version leaves nothing a reader takes, and the same version can be written afterwards
        SnapshotStore.Pending aborted = store.begin("m", 2, ModelFormat.Kind.DELTA);
        aborted.stream().write(new byte[100]);
        aborted.abort();
        assertEquals(1, SnapshotFolders.list(dir.resolve("m")).size());
        assertThrows(IllegalArgumentException.class, () -> SnapshotStorage.of("nosuchscheme://x/y"), "a scheme without a file system");
    }
}
