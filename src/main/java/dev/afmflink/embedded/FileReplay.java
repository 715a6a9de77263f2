package dev.afmflink.embedded;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Puts files of events on a Kafka topic, one record per line (JSON events or libfm lines,
 * docs/events.md; plain or .gz; blank lines skipped), in file order, all to partition 0 so the job
 * reads them in that order. Each record's timestamp is {@link #START} plus its line number in ms:
 * a libfm line's event time is its record's timestamp, so the same file gives the same event
 * times, hence the same model, on any broker and at any pace. {@code bin/afm stream --input} and
 * {@code bin/afm produce} both send through here.
 */
public final class FileReplay {
    /** The first record's timestamp: 2026-01-01T00:00:00Z (the simulator's start too). */
    public static final long START = dev.afmflink.time.EventTime.FILE_START_MS;

    private FileReplay() {
    }

    /** What was sent. */
    public record Sent(long records, long failed, long bytes, double seconds) {
    }

    /**
     * Sends every line of {@code files} to {@code topic}; {@code rate} records per second (≤ 0: as
     * fast as the broker takes them); {@code client}: Kafka client properties (security, …);
     * the last {@code keep} JSON impressions and examples go to {@code sample} (null: none).
     */
    public static Sent send(String servers, java.util.Properties client, String topic, List<Path> files, double rate,
                            Path sample, int keep, PrintStream progress) throws IOException {
        Map<String, String> conf = new HashMap<>(Map.of("acks", "all", "linger.ms", "20", "batch.size", Integer.toString(1 << 18),
                "enable.idempotence", "false", "max.in.flight.requests.per.connection", "1", // one request in flight keeps order
                "max.request.size", Integer.toString(2 << 20)));
        client.stringPropertyNames().forEach(k -> conf.put(k, client.getProperty(k)));
        ArrayDeque<String> last = new ArrayDeque<>();
        AtomicLong failed = new AtomicLong();
        AtomicReference<Exception> firstFailure = new AtomicReference<>();
        long[] counts = new long[2]; // records, bytes
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(servers, conf)) {
            records(files, (n, line) -> {
                if (rate > 0) {
                    long due = t0 + (long) (n * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        try {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException("interrupted", e);
                        }
                    }
                }
                byte[] v = line.getBytes(StandardCharsets.UTF_8);
                p.send(new ProducerRecord<>(topic, 0, dev.afmflink.time.EventTime.ofRecord(n), null, v), (meta, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, e);
                    }
                });
                counts[0]++;
                counts[1] += v.length;
                if (sample != null && (line.startsWith("{\"type\":\"impression\"") || line.startsWith("{\"type\":\"example\""))) {
                    last.addLast(line);
                    if (last.size() > keep) {
                        last.removeFirst();
                    }
                }
                if (progress != null && (n + 1) % 100_000 == 0) {
                    progress.println("  sent " + (n + 1) + " records");
                }
            });
            p.flush();
        }
        if (sample != null) {
            Files.write(sample, last, StandardCharsets.UTF_8);
        }
        if (progress != null && firstFailure.get() != null) {
            progress.println("  " + failed.get() + " records not accepted by the broker; the first: " + firstFailure.get());
        }
        return new Sent(counts[0], failed.get(), counts[1], (System.nanoTime() - t0) / 1e9);
    }

    /** What is done with each record of a file: its number (from 0, blank lines not counted) and its line. */
    public interface Record {
        void accept(long n, String line) throws IOException;
    }

    /**
     * Every record of {@code files} in order, as {@link #send} sends them (the one home of the rule:
     * one record per line, blank lines skipped, plain or .gz; record n is offset n of partition 0 of a
     * new topic, at event time {@link dev.afmflink.time.EventTime#ofRecord}); returns how many.
     */
    public static long records(List<Path> files, Record each) throws IOException {
        long n = 0;
        for (Path f : files) {
            try (BufferedReader in = reader(f)) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.isBlank()) {
                        each.accept(n++, line);
                    }
                }
            }
        }
        return n;
    }

    private static BufferedReader reader(Path f) throws IOException {
        InputStream raw = Files.newInputStream(f);
        if (f.getFileName().toString().endsWith(".gz")) {
            raw = new GZIPInputStream(raw, 1 << 16);
        }
        return new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8), 1 << 16);
    }
}
