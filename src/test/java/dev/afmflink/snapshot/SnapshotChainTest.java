package dev.afmflink.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import dev.afmflink.model.SplitMix64;
import dev.afmflink.optim.OptimizerSpec;
import dev.afmflink.serving.LiveModel;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A producer restored from a checkpoint at version 3 publishes versions 4, 5, … again, from other
 * data than before the failure (arrival order differed): same numbers, other bytes. A consumer
 * that holds the pre-failure version 5 never applies the new lineage's delta 6 to it (its base
 * digest names the new version 5), and takes the new lineage at its next full snapshot.
 */
class SnapshotChainTest {
    static final AfmConfig CONFIG = new AfmConfig(8, 8, Loss.LOGISTIC, 0, 0, 0, 1, 0.1, 1, OptimizerSpec.ftrl(0.1, 1, 0.5, 0),
            OptimizerSpec.adagrad(0.05, 1e-8), OptimizerSpec.adagrad(0.05, 1e-8));

    /** A producer: trains, publishes full or delta snapshots naming their base's digest, as the trainer does. */
    static final class Producer {
        final AfmModel model = new AfmModel(CONFIG);
        final SplitMix64 rng;
        final TreeSet<Long> changed = new TreeSet<>();
        long version;
        String lastDigest;
        final List<byte[]> published = new ArrayList<>();

        Producer(long seed) {
            rng = new SplitMix64(seed);
        }

        Producer train(int n) {
            for (int i = 0; i < n; i++) {
                long[] ids = {(long) (rng.nextDouble() * 16), 16 + (long) (rng.nextDouble() * 16)};
                model.train(Example.of(ids[0] % 3 == ids[1] % 3 ? 1 : 0, ids, new double[] {1, 1}), version);
                changed.add(ids[0]);
                changed.add(ids[1]);
            }
            return this;
        }

        byte[] publish(boolean full) throws Exception {
            long[] ids = full ? model.features().sortedIds() : changed.stream().mapToLong(Long::longValue).toArray();
            ModelHeader h = new ModelHeader(full ? ModelFormat.Kind.FULL : ModelFormat.Kind.DELTA, version + 1, full ? 0 : version,
                    model.shared().examples, CONFIG, full ? null : lastDigest);
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (ModelWriter w = new ModelWriter(b, h, model.shared(), ids.length)) {
                for (long id : ids) {
                    w.put(id, model.features().get(id));
                }
            }
            byte[] bytes = b.toByteArray();
            version++;
            lastDigest = ModelFormat.digest(bytes);
            changed.clear();
            published.add(bytes);
            return bytes;
        }

        /** The state of a checkpoint: a copy that continues independently. */
        Producer restoreCopy(long seed) throws Exception {
            Producer p = new Producer(seed);
            byte[] full = ModelWriter.fullBytes(model, version);
            AfmModel m = ModelReader.read(new java.io.ByteArrayInputStream(full), null, "checkpoint").model();
            for (long id : m.features().sortedIds()) {
                p.model.features().put(id, m.features().get(id));
            }
            p.model.shared().examples = m.shared().examples;
            System.arraycopy(m.shared().bias, 0, p.model.shared().bias, 0, m.shared().bias.length);
            System.arraycopy(m.shared().attn, 0, p.model.shared().attn, 0, m.shared().attn.length);
            System.arraycopy(m.shared().attnSlots, 0, p.model.shared().attnSlots, 0, m.shared().attnSlots.length);
            p.version = version;
            p.lastDigest = lastDigest;
            p.changed.addAll(changed);
            return p;
        }
    }

    @Test
    void aDeltaFromARestoredProducerNeverMeetsThePreFailureVersionOfItsNumber() throws Exception {
        Producer before = new Producer(1);
        before.train(40).publish(true);
        before.train(40).publish(false);
        before.train(40).publish(false); // v3: the checkpoint
        Producer after = before.restoreCopy(99); // restored at v3, then other data
        before.train(40).publish(false); // v4, v5 before the failure
        before.train(40).publish(false);
        after.train(40).publish(false); // v4', v5', v6', v7' after the restore; v8' full
        after.train(40).publish(false);
        after.train(40).publish(false);
        after.train(40).publish(false);
        after.train(40).publish(true);
        byte[] v5 = before.published.get(4);
        byte[] v5b = after.published.get(1);
        byte[] v6b = after.published.get(2);
        assertEquals(5, ModelReader.readHeader(v5b, "v5'").modelVersion());
        assertFalse(Arrays.equals(v5, v5b), "the same number, other bytes");
        assertEquals(5, ModelReader.readHeader(v6b, "v6'").baseVersion(), "by number alone v6' would follow v5");

        for (boolean live : new boolean[] {false, true}) {
            SnapshotChain chain = new SnapshotChain();
            LiveModel served = new LiveModel();
            for (byte[] b : before.published) { // a consumer that got everything up to the pre-failure v5
                assertTrue(live ? served.apply(b, 0, "pre") : chain.apply(b, "pre"));
            }
            for (int i = 0; i < 4; i++) { // v4' and v5' are replays of numbers it has; v6' and v7' do not follow its v5
                assertFalse(live ? served.apply(after.published.get(i), 0, "post") : chain.apply(after.published.get(i), "post"));
            }
            assertTrue(chain.waitingForFull() || live, "waiting for a full snapshot");
            assertTrue(live ? served.apply(after.published.get(4), 0, "v8'") : chain.apply(after.published.get(4), "v8'"));
            AfmModel held = live ? served.read((m, info) -> m) : chain.model();
            assertEquals(8, live ? served.info().version() : chain.version());
            assertEquals(after.model.shared().examples, held.shared().examples);
            assertEquals(1, live ? served.info().reloads() : chain.reloads());
        }

        // a consumer that followed the restored producer from its checkpoint applies every one of its snapshots
        SnapshotChain follower = new SnapshotChain();
        for (int i = 0; i < 3; i++) {
            assertTrue(follower.apply(before.published.get(i), "pre"));
        }
        for (int i = 0; i < 5; i++) {
            assertTrue(follower.apply(after.published.get(i), "post"), "post v" + (i + 4));
        }
        assertNotEquals(0, follower.version());
    }
}
