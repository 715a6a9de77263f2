package dev.afmflink.model;

/**
 * A tiny, fully specified random generator (SplitMix64, Steele et al. 2014) whose whole state is
 * one {@code long}: it can be stored in checkpointed state and in the model file, so a restored
 * model continues the exact same random stream. Gaussians use Box–Muller with {@link StrictMath},
 * so draws are identical on every JVM and platform.
 */
public final class SplitMix64 {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    public SplitMix64(long state) {
        this.state = state;
    }

    public long state() {
        return state;
    }

    public void setState(long state) {
        this.state = state;
    }

    public long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Standard normal by Box–Muller (one draw per call; the second value is discarded). */
    public double nextGaussian() {
        double u1 = 1.0 - nextDouble(); // (0, 1]
        double u2 = nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * Math.PI * u2);
    }

    /** The SplitMix64 / MurmurHash3 finaliser: a bijective 64-bit mix. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A generator for one (seed, stream) pair, e.g. (model seed, feature id). */
    public static SplitMix64 forStream(long seed, long stream) {
        return new SplitMix64(mix(seed ^ mix(stream + GOLDEN)));
    }
}
