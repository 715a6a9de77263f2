package dev.afmflink.sync;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * Which replica an event goes to when a model's number of replicas has changed from a savepoint
 * (docs/scaling.md, "Twice the trainers from a savepoint"): the route ({@link ReplicaRoute}) with the
 * number of replicas of the event's own time. Epoch k holds from event time {@code from[k]} on with
 * {@code replicas[k]}; a restore at another number starts a new epoch one past the largest event time
 * the route had seen, so every event routed before keeps its replica, and an impression goes where
 * its time says.
 *
 * <p>A click's impression is at most the attribution window W before it: a click at c goes to the
 * replica of every epoch that holds a time in [c − W, c]. Where these differ (a click in the first
 * window after a change, of an impression whose replica the change moved), it goes to each of them as
 * a copy ({@link Routes#copies}): the replica without its impression drops it without a dead letter.
 * The hash is taken mod R, so with R doubling an event keeps its replica or moves to r + R.
 */
public final class RouteEpochs {
    private final long[] from;
    private final int[] replicas;

    private RouteEpochs(long[] from, int[] replicas) {
        this.from = from;
        this.replicas = replicas;
    }

    /** One epoch of {@code replicas} from the start of time. */
    public static RouteEpochs of(int replicas) {
        return new RouteEpochs(new long[] {Long.MIN_VALUE}, new int[] {replicas});
    }

    /** The replicas of the latest epoch. */
    public int current() {
        return replicas[replicas.length - 1];
    }

    /** These epochs and a new one of {@code n} replicas from event time {@code t} on (later than the last's start). */
    public RouteEpochs then(int n, long t) {
        if (t <= from[from.length - 1]) {
            throw new IllegalArgumentException("an epoch from " + t + " after one from " + from[from.length - 1]);
        }
        long[] f = Arrays.copyOf(from, from.length + 1);
        int[] r = Arrays.copyOf(replicas, replicas.length + 1);
        f[from.length] = t;
        r[replicas.length] = n;
        return new RouteEpochs(f, r);
    }

    /** The number of replicas at event time {@code t}. */
    public int replicasAt(long t) {
        int k = from.length - 1;
        while (k > 0 && t < from[k]) {
            k--;
        }
        return replicas[k];
    }

    /** The replica of an impression or labelled example {@code id} at {@code ts} ({@code route}: its route feature, or NONE). */
    public int replicaOf(String id, long route, long ts) {
        return ReplicaRoute.of(id, route, replicasAt(ts));
    }

    /** Where a click goes: one replica, or copies to several. */
    public record Routes(int[] replicas) {
        /** The click goes to more than one replica, a copy to each. */
        public boolean copies() {
            return replicas.length > 1;
        }
    }

    /** The replicas a click of {@code id} at {@code ts} goes to, its impression being at most {@code windowMs} before it. */
    public Routes clickReplicas(String id, long route, long ts, long windowMs) {
        int first = ReplicaRoute.of(id, route, replicasAt(ts));
        if (from.length == 1) {
            return new Routes(new int[] {first});
        }
        long earliest = ts - windowMs < ts ? ts - windowMs : Long.MIN_VALUE; // (no wrap below the start of time)
        int[] out = {first};
        for (int k = 0; k < from.length; k++) {
            long end = k + 1 < from.length ? from[k + 1] - 1 : Long.MAX_VALUE;
            if (from[k] <= ts && end >= earliest) {
                int r = ReplicaRoute.of(id, route, replicas[k]);
                boolean seen = false;
                for (int q : out) {
                    seen |= q == r;
                }
                if (!seen) {
                    out = Arrays.copyOf(out, out.length + 1);
                    out[out.length - 1] = r;
                }
            }
        }
        return new Routes(out);
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(from.length);
            for (int k = 0; k < from.length; k++) {
                out.writeLong(from[k]);
                out.writeInt(replicas[k]);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static RouteEpochs decode(byte[] b) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            int n = in.readInt();
            if (n < 1 || n > 1 << 16) {
                throw new IllegalArgumentException("not a route's epochs (" + n + ")");
            }
            long[] f = new long[n];
            int[] r = new int[n];
            for (int k = 0; k < n; k++) {
                f[k] = in.readLong();
                r[k] = in.readInt();
            }
            return new RouteEpochs(f, r);
        } catch (IOException e) {
            throw new IllegalArgumentException("a route's epochs cut short", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RouteEpochs e && Arrays.equals(from, e.from) && Arrays.equals(replicas, e.replicas);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(from) * 31 + Arrays.hashCode(replicas);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < from.length; k++) {
            s.append(k == 0 ? "" : ", ").append(replicas[k]).append(" from ").append(k == 0 ? "the start" : Long.toString(from[k]));
        }
        return s.toString();
    }
}
