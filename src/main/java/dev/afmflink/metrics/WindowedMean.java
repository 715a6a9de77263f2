package dev.afmflink.metrics;

/** Mean over a fixed number of most recent values (a ring buffer), for progress lines. */
public final class WindowedMean {
    private final double[] ring;
    private int next;
    private int filled;
    private double sum;

    public WindowedMean(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1");
        }
        ring = new double[window];
    }

    public void add(double v) {
        if (filled == ring.length) {
            sum -= ring[next];
        } else {
            filled++;
        }
        ring[next] = v;
        sum += v;
        next = (next + 1) % ring.length;
    }

    public double mean() {
        return filled == 0 ? Double.NaN : sum / filled;
    }

    public int count() {
        return filled;
    }
}
