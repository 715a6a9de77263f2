package dev.afmflink.metrics;

import java.util.Arrays;

/**
 * Progressive validation over one tumbling window of event time: the judged predictions (made
 * before the model learned from each example — for an impression, when it arrived) and labels of
 * the examples whose event time falls in [{@code start}, {@code end}). Grouping by the example's
 * own time, not by when its label arrived, keeps a window's figures honest with delayed labels:
 * clicks come back in seconds, non-clicks only when the attribution window closes, so windows by
 * label arrival would each hold mostly one class. Shaped as a Flink POJO (public fields, no-argument
 * constructor) so the streaming job keeps open windows in state.
 */
public class ProgressiveWindow {
    public long start;
    public long end;
    public double[] predictions;
    public double[] labels;
    public int n;
    public double lossSum;
    /** Attention per field pair ("a × b", names in order) of the examples trained in the window: sums and counts. */
    public String[] pairNames = new String[0];
    public double[] pairSums = new double[0];
    public long[] pairCounts = new long[0];
    /** Field name → field name → index in {@link #pairNames} (names in order): no string built per example. */
    private transient java.util.Map<String, java.util.Map<String, Integer>> pairIndex;

    public ProgressiveWindow() {
    }

    public ProgressiveWindow(long start, long end) {
        if (end <= start) {
            throw new IllegalArgumentException("window end must be after its start");
        }
        this.start = start;
        this.end = end;
        predictions = new double[64];
        labels = new double[64];
    }

    /** The start of the window of {@code sizeMs} that holds event time {@code ts}. */
    public static long startOf(long ts, long sizeMs) {
        return ts - Math.floorMod(ts, sizeMs);
    }

    public void add(double prediction, double label, double loss) {
        if (n == predictions.length) {
            predictions = Arrays.copyOf(predictions, n * 2);
            labels = Arrays.copyOf(labels, n * 2);
        }
        predictions[n] = prediction;
        labels[n] = label;
        lossSum += loss;
        n++;
    }

    /** Adds the attention the model gave to the pair of fields {@code a}, {@code b} in one example. */
    public void addAttention(String a, String b, double attention) {
        addAttention(fieldId(a), fieldId(b), attention);
    }

    /**
     * This window's number for field {@code name} (not kept in state: numbers are made again after
     * a restore), for {@link #addAttention(int, int, double)}: an event's fields are numbered once,
     * then each of its pairs costs two array reads, not a string comparison and two map lookups
     * (an event of 39 fields has 741 pairs).
     */
    public int fieldId(String name) {
        if (fieldIds == null) {
            fieldIds = new java.util.HashMap<>();
            fieldNames = new String[8];
            slotOf = new int[8][8];
        }
        int cached = name.hashCode() & (RECENT - 1);
        if (recentNames[cached] == name) { // the decoder's names are one string each: most lookups end here
            return recentIds[cached];
        }
        Integer id = fieldIds.get(name);
        if (id == null) {
            id = fieldIds.size();
            if (id == fieldNames.length) {
                fieldNames = Arrays.copyOf(fieldNames, 2 * id);
            }
            if (id == slotOf.length && id < DENSE_FIELDS) {
                int n = Math.min(2 * id, DENSE_FIELDS);
                int[][] grown = new int[n][n];
                for (int i = 0; i < id; i++) {
                    System.arraycopy(slotOf[i], 0, grown[i], 0, id);
                }
                slotOf = grown;
            }
            fieldNames[id] = name;
            fieldIds.put(name, id);
        }
        recentNames[cached] = name;
        recentIds[cached] = id;
        return id;
    }

    /** Fields numbered beyond this (a stream whose field names are many) find their pairs by name: the table stays small. */
    private static final int DENSE_FIELDS = 256;

    /** Adds the attention of the pair of fields numbered {@code a} and {@code b} ({@link #fieldId}). */
    public void addAttention(int a, int b, double attention) {
        boolean dense = a < slotOf.length && b < slotOf.length;
        int i = dense ? slotOf[a][b] - 1 : -1;
        if (i < 0) {
            i = slot(fieldNames[a], fieldNames[b]);
            if (dense) {
                slotOf[a][b] = i + 1;
                slotOf[b][a] = i + 1;
            }
        }
        pairSums[i] += attention;
        pairCounts[i]++;
    }

    /** Field name → its number in this window; the numbers' names; pair of numbers → index in {@link #pairNames} + 1 (0: not yet). */
    private transient java.util.Map<String, Integer> fieldIds;
    private transient String[] fieldNames;
    /** A direct-mapped cache of {@link #fieldId} by the name's identity (slot: its hash's low bits): no map lookup per feature. */
    private static final int RECENT = 16;
    private final transient String[] recentNames = new String[RECENT];
    private final transient int[] recentIds = new int[RECENT];
    private transient int[][] slotOf;

    /** The index in {@link #pairNames} of the pair of fields {@code a}, {@code b} (in either order), added if new. */
    private int slot(String a, String b) {
        if (a.compareTo(b) > 0) {
            String t = a;
            a = b;
            b = t;
        }
        if (pairIndex == null) {
            pairIndex = new java.util.HashMap<>();
            for (int i = 0; i < pairNames.length; i++) {
                String[] ab = pairNames[i].split(" × ", 2);
                pairIndex.computeIfAbsent(ab[0], k -> new java.util.HashMap<>()).put(ab[1], i);
            }
        }
        java.util.Map<String, Integer> second = pairIndex.computeIfAbsent(a, k -> new java.util.HashMap<>());
        Integer i = second.get(b);
        if (i == null) {
            i = pairNames.length;
            pairNames = Arrays.copyOf(pairNames, i + 1);
            pairSums = Arrays.copyOf(pairSums, i + 1);
            pairCounts = Arrays.copyOf(pairCounts, i + 1);
            pairNames[i] = a + " × " + b;
            second.put(b, i);
        }
        return i;
    }

    /** Mean attention per field pair, by pair name. */
    public java.util.SortedMap<String, Double> meanAttention() {
        java.util.SortedMap<String, Double> out = new java.util.TreeMap<>();
        for (int i = 0; i < pairNames.length; i++) {
            out.put(pairNames[i], pairSums[i] / pairCounts[i]);
        }
        return out;
    }

    /** The window's figures (NaN where undefined: no examples, or one class only for AUC). */
    public WindowSummary summary() {
        double p = 0;
        double y = 0;
        for (int i = 0; i < n; i++) {
            p += predictions[i];
            y += labels[i];
        }
        return new WindowSummary(start, end, n, n > 0 ? lossSum / n : Double.NaN, n > 0 ? Auc.of(predictions, labels, n) : Double.NaN,
                n > 0 ? p / n : Double.NaN, n > 0 ? y / n : Double.NaN);
    }
}
