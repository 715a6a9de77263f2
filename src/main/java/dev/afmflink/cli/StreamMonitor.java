package dev.afmflink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.embedded.KafkaClients;
import dev.afmflink.metrics.Auc;
import dev.afmflink.snapshot.ModelHeader;
import dev.afmflink.snapshot.ModelReader;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * The console progress of {@code bin/afm stream}, read from the job's own output topics: events/s,
 * windowed progressive loss and AUC (last 10,000 predictions), the last published version and the
 * dead letters. Runs in its own thread until {@link #stop()}.
 */
final class StreamMonitor implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WINDOW = 10_000;

    private final String servers;
    private final String predictions;
    private final String snapshots;
    private final String deadLetters;
    private final boolean fromBeginning;
    private final long everyMs;
    private final PrintStream out;
    private volatile boolean running = true;

    private final double[] preds = new double[WINDOW];
    private final double[] labels = new double[WINDOW];
    private final double[] losses = new double[WINDOW];
    private long predictionCount;
    private long deadCount;
    private long lastVersion;
    private long lastVersionExamples;
    private String lastKind = "-";
    private final long start = System.nanoTime();

    StreamMonitor(String servers, String predictions, String snapshots, String deadLetters, boolean fromBeginning,
                  long everyMs, PrintStream out) {
        this.servers = servers;
        this.predictions = predictions;
        this.snapshots = snapshots;
        this.deadLetters = deadLetters;
        this.fromBeginning = fromBeginning;
        this.everyMs = everyMs;
        this.out = out;
    }

    void stop() {
        running = false;
    }

    @Override
    public void run() {
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(servers)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String t : List.of(predictions, snapshots, deadLetters)) {
                for (PartitionInfo p : c.partitionsFor(t, Duration.ofSeconds(30))) {
                    parts.add(new TopicPartition(t, p.partition()));
                }
            }
            c.assign(parts);
            if (fromBeginning) {
                c.seekToBeginning(parts);
            } else {
                c.seekToEnd(parts);
            }
            long nextPrint = System.currentTimeMillis() + everyMs;
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    accept(r);
                }
                if (System.currentTimeMillis() >= nextPrint) {
                    out.println(line());
                    nextPrint += everyMs;
                }
            }
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                accept(r);
            }
        } catch (Exception e) {
            out.println("progress monitor stopped: " + e);
        }
    }

    private synchronized void accept(ConsumerRecord<byte[], byte[]> r) {
        try {
            if (r.topic().equals(predictions)) {
                JsonNode p = JSON.readTree(r.value());
                int i = (int) (predictionCount % WINDOW);
                preds[i] = p.get("prediction").asDouble();
                labels[i] = p.get("label").asDouble();
                losses[i] = p.get("loss").asDouble();
                predictionCount++;
            } else if (r.topic().equals(snapshots)) {
                ModelHeader h = ModelReader.readHeader(r.value(), "snapshot");
                lastVersion = Math.max(lastVersion, h.modelVersion());
                lastVersionExamples = h.examples();
                lastKind = h.kind().name().toLowerCase(Locale.ROOT);
            } else {
                deadCount++;
            }
        } catch (Exception e) {
            // a record we cannot read is not the monitor's business to stop on
        }
    }

    synchronized String line() {
        int n = (int) Math.min(predictionCount, WINDOW);
        double loss = 0;
        for (int i = 0; i < n; i++) {
            loss += losses[i];
        }
        double secs = (System.nanoTime() - start) / 1e9;
        double auc = n > 0 ? Auc.of(preds, labels, n) : Double.NaN;
        return String.format(Locale.ROOT,
                "[%6.1f s] examples %9d  %8.0f ex/s  progressive loss %.4f  AUC %.4f (last %d)  model v%d (%s, %d examples)  dead letters %d",
                secs, predictionCount, predictionCount / secs, n > 0 ? loss / n : Double.NaN, auc, n, lastVersion,
                lastKind, lastVersionExamples, deadCount);
    }
}
