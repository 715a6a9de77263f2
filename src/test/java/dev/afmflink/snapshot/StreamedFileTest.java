package dev.afmflink.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import dev.afmflink.model.ModelBehaviourTestSupport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files written as a stream (record count unknown up front, an end record), read as a stream:
 * the same model as a counted file, digests computed on the way, the file order enforced, a
 * reader that keeps only the rows it needs, a delta that changes nothing unless it is sound,
 * pointers checked by digest, and version folders taken only with their marker.
 */
class StreamedFileTest {
    @TempDir
    Path dir;

    private static AfmModel trained(int n, long seed) {
        AfmModel model = new AfmModel(ModelBehaviourTestSupport.config(Loss.LOGISTIC, 1.0));
        List<Example> s = ModelBehaviourTestSupport.stream(n, seed);
        for (int i = 0; i < n; i++) {
            model.train(s.get(i), i);
        }
        return model;
    }

    private static byte[] write(AfmModel m, ModelHeader h, long[] ids, long declared) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelWriter w = new ModelWriter(out, h, m.shared(), declared);
        for (long id : ids) {
            if (m.features().get(id) != null) {
                w.put(id, m.features().get(id));
            } else {
                w.delete(id);
            }
        }
        w.close();
        assertEquals(out.size(), w.bytes());
        assertEquals(ModelFormat.digest(out.toByteArray()), w.digest(), "the digest computed on the way = the bytes' digest");
        return out.toByteArray();
    }

    private static ModelHeader full(AfmModel m, long version) {
        return new ModelHeader(ModelFormat.Kind.FULL, version, 0, m.shared().examples, m.config());
    }

    @Test
    void aStreamedFileHoldsTheSameModelAsACountedOne() throws IOException {
        AfmModel m = trained(1500, 3);
        long[] ids = m.features().sortedIds();
        byte[] counted = write(m, full(m, 1), ids, ids.length);
        byte[] streamed = write(m, full(m, 1), ids, ModelFormat.STREAMED);
        assertFalse(Arrays.equals(counted, streamed));
        ModelFileTest.assertSameModel(ModelReader.read(new ByteArrayInputStream(counted), null, "c").model(),
                ModelReader.read(new ByteArrayInputStream(streamed), null, "s").model());
        ModelFileTest.assertSameModel(m, ModelReader.read(new ByteArrayInputStream(streamed), null, "s").model());
        // cut anywhere, the streamed file is refused whole (no end record, or no checksum)
        for (int cut : new int[] {streamed.length - 1, streamed.length - 9, streamed.length / 2}) {
            assertThrows(IOException.class, () -> ModelReader.read(new ByteArrayInputStream(Arrays.copyOf(streamed, cut)), null, "cut"));
        }
        byte[] longer = Arrays.copyOf(streamed, streamed.length + 1);
        assertThrows(IOException.class, () -> ModelReader.read(new ByteArrayInputStream(longer), null, "longer"));
    }

    @Test
    void recordsOutOfUnsignedIdOrderAreRefused() throws IOException {
        AfmModel m = trained(300, 4);
        ModelWriter w = new ModelWriter(new ByteArrayOutputStream(), full(m, 1), m.shared(), ModelFormat.STREAMED);
        long[] ids = m.features().sortedIds();
        w.put(ids[1], m.features().get(ids[1]));
        assertThrows(ModelWriter.OutOfOrderException.class, () -> w.put(ids[0], m.features().get(ids[0])));
        ModelWriter u = new ModelWriter(new ByteArrayOutputStream(), full(m, 1), m.shared(), ModelFormat.STREAMED);
        u.delete(5);
        u.delete(-5); // 0xFFF…FB: after 5 in unsigned order
        assertThrows(ModelWriter.OutOfOrderException.class, () -> u.delete(6));
        assertEquals(List.of(3L, 7L, -2L, -1L), Arrays.stream(ModelFormat.sortIds(new long[] {-1, 7, -2, 3})).boxed().toList());
    }

    @Test
    void aReaderKeepingTheInputsIdsScoresExactlyAsTheWholeModel() throws IOException {
        AfmModel m = trained(3000, 5);
        Path file = dir.resolve("model.afm");
        Files.write(file, write(m, full(m, 1), m.features().sortedIds(), ModelFormat.STREAMED));
        List<Example> input = ModelBehaviourTestSupport.stream(5, 99);
        Set<Long> wanted = input.stream().flatMap(e -> Arrays.stream(e.ids, 0, e.size).boxed()).collect(Collectors.toSet());
        ModelReader.Loaded some = ModelReader.load(file.toString(), wanted::contains);
        long present = wanted.stream().filter(id -> m.features().get(id) != null).count();
        assertEquals(present, some.model().features().size(), "the input's rows, no other");
        assertTrue(present < m.features().size() / 2, present + " rows of " + m.features().size());
        for (Example e : input) {
            assertEquals(Double.doubleToRawLongBits(m.predict(e)), Double.doubleToRawLongBits(some.model().predict(e)));
        }
        assertEquals(m.features().size(), ModelReader.load(file.toString(), ModelReader.IDS_ONLY).model().features().size());
    }

    @Test
    void aBrokenDeltaOrAPointerToOtherBytesChangesNothing() throws IOException {
        AfmModel m = trained(800, 6);
        byte[] v1 = write(m, full(m, 1), m.features().sortedIds(), ModelFormat.STREAMED);
        List<Example> more = ModelBehaviourTestSupport.stream(200, 7);
        for (int i = 0; i < more.size(); i++) {
            m.train(more.get(i), 800 + i);
        }
        ModelHeader dh = new ModelHeader(ModelFormat.Kind.DELTA, 2, 1, m.shared().examples, m.config(), ModelFormat.digest(v1), false);
        byte[] v2 = write(m, dh, m.features().sortedIds(), ModelFormat.STREAMED);

        SnapshotChain chain = new SnapshotChain();
        assertTrue(chain.apply(v1, "v1"));
        AfmModel before = ModelReader.read(new ByteArrayInputStream(v1), null, "v1").model();
        byte[] corrupt = v2.clone();
        corrupt[corrupt.length / 2] ^= 1;
        assertThrows(IOException.class, () -> chain.apply(corrupt, "corrupt v2"));
        assertEquals(1, chain.version());
        ModelFileTest.assertSameModel(before, chain.model()); // the checksum failed at the end: no row of it applied

        Path file = dir.resolve("v2.afm");
        Files.write(file, v2);
        byte[] wrong = new SnapshotPointer(file.toString(), ModelFormat.digest(v1), v2.length).encode();
        assertThrows(IOException.class, () -> chain.applyRecord(wrong, "pointer with another digest"));
        ModelFileTest.assertSameModel(before, chain.model());
        byte[] right = new SnapshotPointer(file.toUri().toString(), ModelFormat.digest(v2), v2.length).encode();
        assertTrue(SnapshotPointer.isPointer(right) && !SnapshotPointer.isPointer(v2));
        assertTrue(chain.applyRecord(right, "pointer"));
        assertEquals(2, chain.version());
        ModelFileTest.assertSameModel(m, chain.model());
    }

    @Test
    void locationsOfOtherSchemesAreNotLocalWithOrWithoutAnAuthority() {
        assertTrue(SnapshotFolders.isLocal("/tmp/models") && SnapshotFolders.isLocal("models/x")
                && SnapshotFolders.isLocal("file:/tmp/x") && SnapshotFolders.isLocal("file:///tmp/x"));
        assertFalse(SnapshotFolders.isLocal("s3://bucket/models") || SnapshotFolders.isLocal("hdfs:/models/x")
                || SnapshotFolders.isLocal("objtest:/tmp/x"));
        assertThrows(IllegalArgumentException.class, () -> SnapshotStorage.of("hdfs:/models/x"), "no reader registered here");
    }

    @Test
    void aVersionFolderCountsOnlyWithItsMarker() throws IOException {
        AfmModel m = trained(100, 8);
        byte[] v1 = write(m, full(m, 1), m.features().sortedIds(), ModelFormat.STREAMED);
        SnapshotFolders.writeLocal(dir, "k", 1, ModelFormat.Kind.FULL, v1);
        Path unmarked = SnapshotFolders.folder(dir, "k", 2, ModelFormat.Kind.FULL);
        Files.createDirectories(unmarked);
        Files.write(unmarked.resolve(ModelFormat.FILE_NAME), v1);
        List<SnapshotFolders.Version> versions = SnapshotFolders.list(dir.resolve("k"));
        assertEquals(1, versions.size());
        assertEquals(1, versions.get(0).version());
        assertEquals(ModelFormat.digest(v1), SnapshotFolders.markedDigest(Files.readString(
                SnapshotFolders.folder(dir, "k", 1, ModelFormat.Kind.FULL).resolve(SnapshotFolders.MARKER))));
    }
}
