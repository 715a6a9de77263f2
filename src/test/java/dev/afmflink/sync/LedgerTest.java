package dev.afmflink.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.ExampleWeight;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.ParameterStore;
import dev.afmflink.model.Precision;
import dev.afmflink.model.SharedParams;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A replica's ledger kept as bytes between steps (as the job keeps it in keyed state) tells the
 * same changes, bit for bit, as one kept in memory, merges taken in between included.
 */
class LedgerTest {

    /** The model's rows and a ledger read back from its bytes before every step, every emission and every merge. */
    private static final class ThroughBytes implements ParameterStore {
        final AfmModel model;
        final Exchange exchange;
        byte[] ledger;

        ThroughBytes(AfmConfig config) {
            model = new AfmModel(config);
            exchange = new Exchange(config);
            ledger = Ledger.open(model.shared()).encode();
        }

        @Override
        public SharedParams shared() {
            return model.shared();
        }

        @Override
        public FeatureParams trainingRow(long id, long ts) {
            FeatureParams f = model.trainingRow(id, ts);
            Ledger l = Ledger.decode(ledger);
            l.touch(id, f);
            ledger = l.encode();
            return f;
        }

        @Override
        public FeatureParams scoringRow(long id, long ts, int position) {
            return model.scoringRow(id, ts, position);
        }

        Change emit(int replica, long tick) {
            Ledger l = Ledger.decode(ledger);
            Change c = exchange.emit(replica, tick, Exchange.Rows.of(model), l);
            ledger = l.encode();
            return c;
        }

        void apply(Change merged, Change own) {
            Ledger l = Ledger.decode(ledger);
            exchange.apply(merged, own, id -> false, Exchange.Rows.of(model), l);
            ledger = l.encode();
        }
    }

    @Test
    void aLedgerKeptAsBytesTellsTheSameChanges() {
        AfmConfig config = ReplicaGroupTest.config(Precision.FLOAT32);
        List<Example> stream = ReplicaGroupTest.stream(600, 9);
        Replica memory = new Replica(0, config);
        Replica other = new Replica(1, config);
        ThroughBytes bytes = new ThroughBytes(config);
        MergeRule rule = MergeRule.SUM;
        Vectors vectors = new Vectors(config);
        for (int tick = 0; tick < 20; tick++) {
            for (int i = tick * 30; i < tick * 30 + 30; i++) {
                Example e = stream.get(i);
                if (i % 2 == 0) {
                    double a = memory.train(e, i);
                    double b = bytes.model.learner().train(bytes, e.ids, e.values, e.size, e.label, i, ExampleWeight.ONE);
                    assertEquals(Double.doubleToLongBits(a), Double.doubleToLongBits(b), "example " + i);
                } else {
                    other.train(e, i);
                }
            }
            Change a = memory.emit(tick);
            Change b = bytes.emit(0, tick);
            assertArrayEquals(ChangeCodec.encode(a, false), ChangeCodec.encode(b, false), "tick " + tick);
            Change o = other.emit(tick);
            Change merge = rule.merge(tick, List.of(a, o), vectors);
            memory.apply(merge, a);
            bytes.apply(merge, b);
        }
        assertTrue(memory.model().shared().sameAs(bytes.model.shared()));
        for (long id : memory.model().features().sortedIds()) {
            assertTrue(memory.model().features().get(id).sameAs(bytes.model.features().get(id)), "row " + id);
        }
    }

    /** A row of a local field stays marked through the ledger's bytes, and its change marks it; the others are not. */
    @Test
    void aLocalRowStaysMarkedThroughTheLedgersBytes() {
        AfmConfig config = ReplicaGroupTest.config(Precision.FLOAT32);
        AfmModel m = new AfmModel(config);
        Ledger l = Ledger.open(m.shared());
        byte[] unmarked = null;
        for (long id : new long[] {5, 9}) {
            FeatureParams f = m.trainingRow(id, 0);
            l.touch(id, f, id == 9);
            f.data32[0] += 0.5f; // a step
        }
        Ledger back = Ledger.decode(l.encode());
        assertArrayEquals(l.encode(), back.encode());
        Change c = new Exchange(config).emit(0, 1, Exchange.Rows.of(m), back);
        assertArrayEquals(new long[] {5, 9}, c.ids);
        assertTrue(c.isLocalRow(9));
        assertTrue(!c.isLocalRow(5));
        Ledger plain = Ledger.open(m.shared());
        plain.touch(5, m.features().get(5), false);
        Ledger plainBack = Ledger.decode(plain.encode());
        assertEquals(plain.encode().length, plainBack.encode().length, "no marks, no trailer");
        assertEquals(null, new Exchange(config).emit(0, 1, Exchange.Rows.of(m), plainBack).local);
    }

    @Test
    void bytesThatAreNoLedgerSayWhy() {
        byte[] good = Ledger.open(new AfmModel(ReplicaGroupTest.config(Precision.FLOAT64)).shared()).encode();
        assertThrows(IllegalArgumentException.class, () -> Ledger.decode(Arrays.copyOf(good, good.length - 5)));
        assertEquals(good.length, Ledger.decode(good).encode().length);
    }
}
