package dev.afmflink.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.AfmModel;
import dev.afmflink.serving.LiveModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One model, one folder: model keys map to folder names injectively, and readers refuse a folder holding another key's snapshots. */
class FolderNamesTest {

    @Test
    void keysThatOnceSharedAFolderGetTheirOwn() throws IOException {
        List<String> keys = List.of("a/b", "a_b", "a b", "a:b", "a~2Fb", ".x", "_.x", "..", "~", "ä", "a\\b", "A", "",
                "x".repeat(5000), "x".repeat(4999) + "y", "é".repeat(200), "e".repeat(119), "e".repeat(120), "e".repeat(121));
        Map<String, String> seen = new HashMap<>();
        for (String k : keys) {
            String name = SnapshotFolders.safe(k);
            String other = seen.put(name, k);
            assertEquals(null, other, "keys '" + other + "' and '" + k + "' share folder " + name);
            assertTrue(name.length() <= SnapshotFolders.MAX_NAME + 2, name.length() + " characters");
            assertTrue(name.matches("[A-Za-z0-9._~-]+"), name);
            assertTrue(!name.startsWith(".") && !name.contains("/"), name);
        }
        // keys that were already safe keep their folders
        for (String k : List.of("default", "ctr-eu", "m_1.v2", "A")) {
            assertEquals(k, SnapshotFolders.safe(k));
        }
        assertEquals("a~2Fb", SnapshotFolders.safe("a/b"));
        // each is a real folder on this file system
        Path root = Files.createTempDirectory("names");
        for (String k : keys) {
            Files.createDirectories(root.resolve(SnapshotFolders.safe(k)));
        }
    }

    static byte[] full(AfmModel m, long version, String key) throws IOException {
        ModelHeader h = new ModelHeader(ModelFormat.Kind.FULL, version, 0, 0, m.config()).withModelKey(key);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ModelWriter w = new ModelWriter(out, h, m.shared(), 0)) {
            assertNotNull(w);
        }
        return out.toByteArray();
    }

    @Test
    void everyReaderRefusesAFolderWhoseHeaderNamesAnotherKey(@TempDir Path root) throws Exception {
        AfmModel m = new AfmModel(SnapshotChainTest.CONFIG);
        assertEquals("a/b", ModelReader.readHeader(full(m, 1, "a/b"), "x").modelKey(), "the header carries the key");
        // the right key in its folder: read
        SnapshotFolders.writeLocal(root, "a/b", 1, ModelFormat.Kind.FULL, full(m, 1, "a/b"));
        assertEquals(1, SnapshotChain.loadFolder(root.resolve("a~2Fb")).version());
        // another key's snapshot in a folder (as the old naming wrote it): refused, by the chain and by the server
        Path shared = root.resolve("a_b");
        SnapshotFolders.writeLocal(root, "a_b", 1, ModelFormat.Kind.FULL, full(m, 1, "a_b"));
        Files.move(root.resolve("a~2Fb").resolve(SnapshotFolders.name(1, ModelFormat.Kind.FULL)),
                shared.resolve(SnapshotFolders.name(2, ModelFormat.Kind.FULL)));
        IOException e = assertThrows(IOException.class, () -> SnapshotChain.loadFolder(shared));
        assertTrue(e.getMessage().contains("model key 'a/b'"), e.getMessage());
        assertThrows(IOException.class, () -> new LiveModel().pollFolder(shared));
        assertThrows(IOException.class, () -> ModelReader.load(shared.toString(), null));
        // a server of key K refuses a topic record of another key's file
        LiveModel live = new LiveModel().forKey("a_b");
        assertThrows(IOException.class, () -> live.apply(full(m, 1, "a/b"), 0, "record"));
        assertTrue(live.apply(full(m, 1, "a_b"), 0, "record"));
        // files without a key (offline models, older files) are read as before
        SnapshotFolders.writeLocal(root, "old", 1, ModelFormat.Kind.FULL, ModelWriter.fullBytes(m, 1));
        assertEquals(1, SnapshotChain.loadFolder(root.resolve("old")).version());
    }
}
