package dev.afmflink.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.SplitMix64;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --snapshot-content weights}: a snapshot without optimizer state scores exactly as the
 * full one (same weights, bit for bit), is a fraction of its size, says so in its header, and a
 * model loaded from such files knows it cannot continue training.
 */
class WeightsOnlySnapshotTest {
    static byte[] write(AfmModel m, ModelHeader h, long[] ids) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ModelWriter w = new ModelWriter(b, h, m.shared(), ids.length)) {
            for (long id : ids) {
                w.put(id, m.features().get(id));
            }
        }
        return b.toByteArray();
    }

    static void train(AfmModel m, SplitMix64 r, int n, long ts) {
        for (int i = 0; i < n; i++) {
            long[] ids = {(long) (r.nextDouble() * 50), 50 + (long) (r.nextDouble() * 50), 100 + (long) (r.nextDouble() * 50)};
            m.train(Example.of(ids[0] % 3 == ids[1] % 3 ? 1 : 0, ids, new double[] {1, 1, 1}), ts);
        }
    }

    @Test
    void weightsOnlyScoresAsTheFullSnapshotAtAFractionOfItsSize(@TempDir Path dir) throws Exception {
        AfmModel m = new AfmModel(SnapshotChainTest.CONFIG); // FTRL linear (2 slots), Adagrad embeddings and attention (1 slot)
        SplitMix64 r = new SplitMix64(3);
        train(m, r, 500, 1);
        long[] ids = m.features().sortedIds();
        byte[] full = write(m, new ModelHeader(ModelFormat.Kind.FULL, 1, 0, m.shared().examples, m.config()), ids);
        byte[] weights = write(m, new ModelHeader(ModelFormat.Kind.FULL, 1, 0, m.shared().examples, m.config(), null, true), ids);
        assertTrue(weights.length * 1.8 < full.length, "weights only: " + weights.length + " bytes of " + full.length);
        ModelReader.Loaded w = ModelReader.read(new ByteArrayInputStream(weights), null, "weights");
        assertTrue(w.header().weightsOnly());
        assertFalse(ModelReader.read(new ByteArrayInputStream(full), null, "full").header().weightsOnly());
        for (long id : ids) {
            FeatureParams a = m.features().get(id);
            FeatureParams b = w.model().features().get(id);
            assertEquals(a.data.length, b.data.length);
            for (int c = 0; c <= m.config().k(); c++) {
                assertEquals(Double.doubleToRawLongBits(a.data[c]), Double.doubleToRawLongBits(b.data[c]), "w, v of " + id);
            }
            for (int c = m.config().k() + 1; c < b.data.length; c++) {
                assertEquals(0.0, b.data[c], "no optimizer state");
            }
        }
        assertArrayEquals(m.shared().attn, w.model().shared().attn);
        SplitMix64 probe = new SplitMix64(9);
        for (int i = 0; i < 200; i++) {
            long[] x = {(long) (probe.nextDouble() * 60), 50 + (long) (probe.nextDouble() * 60), 100 + (long) (probe.nextDouble() * 60)};
            Example e = Example.of(0, x, new double[] {1, 1, 1});
            assertEquals(Double.doubleToRawLongBits(m.predict(e)), Double.doubleToRawLongBits(w.model().predict(e)));
        }

        // a weights-only delta on a full-content base: serves the newer weights; the chain knows training state is gone
        train(m, r, 100, 2);
        byte[] delta = write(m, new ModelHeader(ModelFormat.Kind.DELTA, 2, 1, m.shared().examples, m.config(),
                ModelFormat.digest(full), true), m.features().sortedIds());
        Path model = dir.resolve("default");
        SnapshotFolders.writeLocal(dir, "default", 1, ModelFormat.Kind.FULL, full);
        SnapshotFolders.writeLocal(dir, "default", 2, ModelFormat.Kind.DELTA, delta);
        ModelReader.Loaded loaded = ModelReader.load(model);
        assertEquals(2, loaded.header().modelVersion());
        assertTrue(loaded.header().weightsOnly(), "a chain through a weights-only file cannot continue training");
        Example e = Example.of(0, new long[] {1, 51, 101}, new double[] {1, 1, 1});
        assertEquals(Double.doubleToRawLongBits(m.predict(e)), Double.doubleToRawLongBits(loaded.model().predict(e)));
    }
}
