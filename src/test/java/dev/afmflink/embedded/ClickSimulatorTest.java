package dev.afmflink.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.data.EventDecoder;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Loss;
import dev.afmflink.optim.OptimizerSpec;
import dev.afmflink.serving.FieldPairAttention;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClickSimulatorTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The logistic defaults (k = t = 16, FTRL linear, Adagrad 0.02 embeddings), attention at Adagrad 0.05. */
    static AfmConfig config() {
        return new AfmConfig(16, 16, Loss.LOGISTIC, 0, 0, 0, 1.0, 0.01, 1,
                OptimizerSpec.ftrl(0.1, 1, 0.5, 0), OptimizerSpec.adagrad(0.02, 1e-8), OptimizerSpec.adagrad(0.05, 1e-8));
    }

    /** Impressions labelled offline the way the join does (a click within W), in impression order. */
    static List<String[]> labelled(Iterator<String> stream, long windowMs) throws Exception {
        Map<String, String> impressions = new HashMap<>();
        Map<String, Long> impressionTs = new HashMap<>();
        Set<String> clicked = new HashSet<>();
        List<String> order = new ArrayList<>();
        while (stream.hasNext()) {
            String e = stream.next();
            JsonNode n = JSON.readTree(e);
            String id = n.get("id").asText();
            if (n.get("type").asText().equals("impression")) {
                impressions.put(id, e);
                impressionTs.put(id, n.get("ts").asLong());
                order.add(id);
            } else if (n.get("ts").asLong() <= impressionTs.get(id) + windowMs) {
                clicked.add(id);
            }
        }
        List<String[]> out = new ArrayList<>();
        for (String id : order) {
            out.add(new String[] {impressions.get(id), clicked.contains(id) ? "1" : "0"});
        }
        return out;
    }

    static Set<String> names(List<List<String>> pairs) {
        Set<String> s = new HashSet<>();
        for (List<String> p : pairs) {
            s.add(p.get(0) + " × " + p.get(1));
        }
        return s;
    }

    @Test
    void clickStreamIsOrderedWithDelayedClicksAndAPlausibleCtr() throws Exception {
        Iterator<String> it = new ClickSimulator(3).clickStream(20_000, 0, 50, "m");
        long last = Long.MIN_VALUE;
        int impressions = 0;
        int clicks = 0;
        while (it.hasNext()) {
            JsonNode n = JSON.readTree(it.next());
            assertTrue(n.get("ts").asLong() >= last, "event-time order");
            last = n.get("ts").asLong();
            if (n.get("type").asText().equals("impression")) {
                impressions++;
            } else {
                clicks++;
            }
        }
        assertEquals(20_000, impressions);
        double ctr = clicks / (double) impressions;
        assertTrue(ctr > 0.1 && ctr < 0.35, "CTR " + ctr);
    }

    /**
     * The simulator's important pairs are where a trained model's attention goes: after training
     * on the click-stream before the drift (labels as the join makes them: a click within 10
     * minutes), the two interacting field pairs rank on top of the mean attention per field pair,
     * well above uniform (1/10). (Held for seeds 5–8 when written.)
     */
    @Test
    void importantPairsRankOnTopOfTheLearnedAttention() throws Exception {
        int n = 100_000;
        List<String[]> data = labelled(new ClickSimulator(5).clickStream(2L * n, 0, 50, "m"), 600_000);
        AfmModel model = new AfmModel(config());
        EventDecoder dec = new EventDecoder(Loss.LOGISTIC, 1 << 20);
        for (int i = 0; i < n; i++) {
            var ev = dec.decode(data.get(i)[0].getBytes(StandardCharsets.UTF_8), "x", 0);
            ev.features().label = Double.parseDouble(data.get(i)[1]);
            model.train(ev.features(), ev.ts());
        }
        FieldPairAttention att = new FieldPairAttention();
        for (int i = n - 2000; i < n; i++) {
            att.add(model, data.get(i)[0]);
        }
        List<FieldPairAttention.Pair> ranked = att.ranked();
        assertEquals(10, ranked.size(), "5 fields, 10 pairs");
        Set<String> top = Set.of(ranked.get(0).name(), ranked.get(1).name());
        assertEquals(names(ClickSimulator.IMPORTANT_BEFORE), top, "top pairs " + ranked);
        assertTrue(ranked.get(1).meanAttention() > 2 * ranked.get(2).meanAttention(), "clearly ahead: " + ranked);
    }

    /**
     * The held-out sample's truth is the probability each label was drawn with: its mean matches
     * the labels' rate, and its logloss (the Bayes loss) beats the constant predictor by far on the
     * hard world (strong pairs), each figure computed here from the labels.
     */
    @Test
    void heldOutTruthIsTheProbabilityEachLabelWasDrawnWith() throws Exception {
        ClickSimulator sim = new ClickSimulator(7, -0.75);
        List<String> held = sim.heldOut(20_000, false, 1, "m");
        double[] p = sim.heldOutTruth(20_000, false, 1);
        assertEquals(held.size(), p.length);
        double clicks = 0;
        double meanP = 0;
        double bayes = 0;
        for (int i = 0; i < p.length; i++) {
            int y = JSON.readTree(held.get(i)).get("label").asInt();
            assertTrue(p[i] > 0 && p[i] < 1, "p " + p[i]);
            clicks += y;
            meanP += p[i];
            bayes -= y == 1 ? Math.log(p[i]) : Math.log(1 - p[i]);
        }
        double ctr = clicks / p.length;
        meanP /= p.length;
        bayes /= p.length;
        double constant = -(ctr * Math.log(ctr) + (1 - ctr) * Math.log(1 - ctr));
        assertEquals(ctr, meanP, 0.01, "the truth's mean is the click rate");
        assertTrue(bayes < 0.75 * constant, "Bayes " + bayes + " vs constant " + constant);
        // another draw stream: other examples, other truths
        double[] other = sim.heldOutTruth(20_000, false, 2);
        assertTrue(!java.util.Arrays.equals(p, other));
        // the drifted world's truths differ from the same draws before the drift
        assertTrue(!java.util.Arrays.equals(p, sim.heldOutTruth(20_000, true, 1)));
    }
}
