package dev.afmflink.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.Loss;
import dev.afmflink.model.ModelBehaviourTestSupport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest {
    @TempDir
    Path dir;

    static void assertSameModel(AfmModel a, AfmModel b) {
        assertEquals(a.config(), b.config());
        assertArrayEquals(a.shared().bias, b.shared().bias);
        assertArrayEquals(a.shared().attn, b.shared().attn);
        assertArrayEquals(a.shared().attnSlots, b.shared().attnSlots);
        assertArrayEquals(a.shared().attn32, b.shared().attn32);
        assertArrayEquals(a.shared().attnSlots32, b.shared().attnSlots32);
        assertEquals(a.shared().examples, b.shared().examples);
        assertEquals(a.shared().rngState, b.shared().rngState);
        assertArrayEquals(a.features().sortedIds(), b.features().sortedIds());
        for (long id : a.features().sortedIds()) {
            assertArrayEquals(a.features().get(id).data, b.features().get(id).data, "feature " + id);
            assertArrayEquals(a.features().get(id).data32, b.features().get(id).data32, "feature " + id);
            assertEquals(a.features().get(id).lastUpdate, b.features().get(id).lastUpdate);
        }
    }

    @Test
    void roundTripIsBitExactAndTrainingContinuesIdentically() throws IOException {
        roundTrip(ModelBehaviourTestSupport.config(Loss.LOGISTIC, 0.8));
    }

    @Test
    void aFloat32ModelRoundTripsBitExactInHalfTheBytesAndOldReadersRefuseIt() throws IOException {
        dev.afmflink.model.AfmConfig c64 = ModelBehaviourTestSupport.config(Loss.LOGISTIC, 0.8);
        dev.afmflink.model.AfmConfig c32 = c64.withPrecision(dev.afmflink.model.Precision.FLOAT32);
        roundTrip(c32);
        AfmModel m32 = new AfmModel(c32);
        AfmModel m64 = new AfmModel(c64);
        for (Example e : ModelBehaviourTestSupport.stream(500, 3)) {
            m32.train(e, 0);
            m64.train(e, 0);
        }
        byte[] b32 = ModelWriter.fullBytes(m32, 1);
        byte[] b64 = ModelWriter.fullBytes(m64, 1);
        assertEquals(m32.features().size(), m64.features().size());
        // every parameter and slot but w0's four bytes instead of eight; ids, times and the header's length unchanged
        dev.afmflink.model.Layout l = new dev.afmflink.model.Layout(c32);
        long values = l.attnSize + (long) l.attentionSlots * l.attnSize + (long) m32.features().size() * l.rowSize;
        assertEquals(4 * values, b64.length - b32.length,
                "float32 saves 4 bytes per value: " + b32.length + " vs " + b64.length);
        assertEquals(ModelFormat.FORMAT_VERSION_FLOAT32, java.nio.ByteBuffer.wrap(b32).getInt(4));
        assertEquals(ModelFormat.FORMAT_VERSION, java.nio.ByteBuffer.wrap(b64).getInt(4), "float64 files keep version 1");
        assertEquals(ModelFormat.FORMAT_VERSION_FLOAT32, ModelReader.readHeader(b32, "m32").toMap().get("format_version"),
                "the JSON header says the same version");
        // a float32 body under version 1 (what a reader of version 1 would take it for) is refused, not misread
        byte[] lying = b32.clone();
        java.nio.ByteBuffer.wrap(lying).putInt(4, ModelFormat.FORMAT_VERSION);
        IOException e = assertThrows(IOException.class, () -> ModelReader.read(new ByteArrayInputStream(lying), null, "lying"));
        assertTrue(e.getMessage().contains("does not hold a float32 model"), e.getMessage());
        // a float64 row cannot go into a float32 file
        try (ModelWriter w = new ModelWriter(new ByteArrayOutputStream(), new ModelHeader(ModelFormat.Kind.FULL, 1, 0, 0, c32),
                m32.shared(), ModelFormat.STREAMED)) {
            assertThrows(IllegalArgumentException.class, () -> w.put(1, new FeatureParams(new double[64], 0)));
        }
    }

    private void roundTrip(dev.afmflink.model.AfmConfig config) throws IOException {
        AfmModel model = new AfmModel(config);
        List<Example> s = ModelBehaviourTestSupport.stream(3000, 21);
        for (int i = 0; i < 2000; i++) {
            model.train(s.get(i), i);
        }
        ModelWriter.writeFull(model, 17, dir.resolve("m"));
        assertTrue(Files.exists(dir.resolve("m/model.afm")));
        assertTrue(Files.notExists(dir.resolve("m/model.afm.tmp")));
        ModelReader.Loaded loaded = ModelReader.load(dir.resolve("m"));
        assertEquals(17, loaded.header().modelVersion());
        assertEquals(ModelFormat.Kind.FULL, loaded.header().kind());
        assertEquals(2000, loaded.header().examples());
        AfmModel back = loaded.model();
        assertSameModel(model, back);
        for (Example e : s) {
            assertEquals(Double.doubleToRawLongBits(model.predict(e)), Double.doubleToRawLongBits(back.predict(e)));
        }
        // optimizer state and the dropout stream came along: more training gives the same bits
        for (int i = 2000; i < 3000; i++) {
            model.train(s.get(i), i);
            back.train(s.get(i), i);
        }
        assertSameModel(model, back);
    }

    @Test
    void deltaWithTombstoneAppliesOnTopOfItsBase() throws IOException {
        AfmModel model = new AfmModel(ModelBehaviourTestSupport.config(Loss.SQUARED, 1.0));
        List<Example> s = ModelBehaviourTestSupport.stream(200, 8);
        for (Example e : s) {
            model.train(e, 0);
        }
        ByteArrayOutputStream full = new ByteArrayOutputStream();
        long[] ids = model.features().sortedIds();
        ModelHeader h = new ModelHeader(ModelFormat.Kind.FULL, 1, 0, model.shared().examples, model.config());
        try (ModelWriter w = new ModelWriter(full, h, model.shared(), ids.length)) {
            for (long id : ids) {
                w.put(id, model.features().get(id));
            }
        }
        AfmModel base = ModelReader.read(new ByteArrayInputStream(full.toByteArray()), null, "full").model();
        // train on, then publish only what changed plus one removal
        Example one = s.get(0);
        model.train(one, 1);
        long removed = ids[ids.length - 1];
        model.features().remove(removed);
        ByteArrayOutputStream delta = new ByteArrayOutputStream();
        ModelHeader dh = new ModelHeader(ModelFormat.Kind.DELTA, 2, 1, model.shared().examples, model.config());
        try (ModelWriter w = new ModelWriter(delta, dh, model.shared(), one.size + 1)) {
            for (int i = 0; i < one.size; i++) {
                w.put(one.ids[i], model.features().get(one.ids[i]));
            }
            w.delete(removed);
        }
        ModelReader.Loaded applied = ModelReader.read(new ByteArrayInputStream(delta.toByteArray()), base, "delta");
        assertEquals(2, applied.header().modelVersion());
        assertEquals(1, applied.header().baseVersion());
        assertNull(applied.model().features().get(removed));
        assertSameModel(model, applied.model());
        assertThrows(IOException.class, () -> ModelReader.read(new ByteArrayInputStream(delta.toByteArray()), null, "delta"));
    }

    @Test
    void corruptedOrTruncatedFilesAreRefused() throws IOException {
        AfmModel model = new AfmModel(ModelBehaviourTestSupport.config(Loss.SQUARED, 1.0));
        for (Example e : ModelBehaviourTestSupport.stream(50, 9)) {
            model.train(e, 0);
        }
        ModelWriter.writeFull(model, 1, dir);
        byte[] bytes = Files.readAllBytes(dir.resolve("model.afm"));
        byte[] flipped = bytes.clone();
        flipped[bytes.length - 100] ^= 0x10;
        IOException e1 = assertThrows(IOException.class, () -> ModelReader.read(new ByteArrayInputStream(flipped), null, "x"));
        assertTrue(e1.getMessage().contains("checksum"), e1.getMessage());
        byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 20);
        IOException e2 = assertThrows(IOException.class, () -> ModelReader.read(new ByteArrayInputStream(cut), null, "x"));
        assertTrue(e2.getMessage().contains("truncated"), e2.getMessage());
        byte[] magic = bytes.clone();
        magic[0] = 'X';
        assertThrows(IOException.class, () -> ModelReader.read(new ByteArrayInputStream(magic), null, "x"));
    }

    @Test
    void wrongRowSizeIsRefusedByTheWriter() throws IOException {
        AfmModel model = new AfmModel(ModelBehaviourTestSupport.config(Loss.SQUARED, 1.0));
        ModelHeader h = new ModelHeader(ModelFormat.Kind.FULL, 1, 0, 0, model.config());
        ModelWriter w = new ModelWriter(new ByteArrayOutputStream(), h, model.shared(), 1);
        assertThrows(IllegalArgumentException.class, () -> w.put(1, new FeatureParams(new double[3], 0)));
    }
}
