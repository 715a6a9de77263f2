package dev.afmflink.job;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * How the job reaches Kafka beyond the bootstrap servers: client properties passed to the source
 * and to every sink (security.protocol, SASL, TLS, …; {@code --kafka-property KEY=VALUE},
 * {@code --kafka-properties FILE}) and where the source starts when there is no checkpoint
 * ({@code --starting-offsets earliest|latest|committed|timestamp:MS}; a restore always continues
 * from the checkpoint's offsets). {@link #toString()} never shows a property's value: they may be
 * secrets.
 */
public record KafkaConnection(Map<String, String> properties, String startingOffsets) implements Serializable {
    public static final KafkaConnection DEFAULT = new KafkaConnection(Map.of(), "earliest");

    public KafkaConnection {
        properties = new TreeMap<>(properties);
        offsets(startingOffsets); // fails early on a bad value
    }

    /**
     * From {@code FILE} (Java properties, may be null) then {@code KEY=VALUE} pairs (which win),
     * and the starting offsets.
     */
    public static KafkaConnection of(String file, List<String> pairs, String startingOffsets) throws IOException {
        Map<String, String> m = new TreeMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(Path.of(file))) {
                p.load(r);
            }
            p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        }
        for (String kv : pairs) {
            int eq = kv.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("--kafka-property wants KEY=VALUE, got a value without '=' for key "
                        + (eq < 0 ? "(none)" : "''"));
            }
            m.put(kv.substring(0, eq).trim(), kv.substring(eq + 1));
        }
        return new KafkaConnection(m, startingOffsets == null ? "earliest" : startingOffsets);
    }

    /** The properties as a {@link Properties} for a Kafka client or the connector's builders. */
    public Properties asProperties() {
        Properties p = new Properties();
        p.putAll(properties);
        return p;
    }

    /** The source's offsets without a checkpoint. */
    public OffsetsInitializer offsetsInitializer() {
        return offsets(startingOffsets);
    }

    private static OffsetsInitializer offsets(String s) {
        if (s.equals("earliest")) {
            return OffsetsInitializer.earliest();
        }
        if (s.equals("latest")) {
            return OffsetsInitializer.latest();
        }
        if (s.equals("committed")) { // the consumer group's; a partition without one starts at the earliest
            return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        }
        if (s.startsWith("timestamp:")) {
            try {
                return OffsetsInitializer.timestamp(Long.parseLong(s.substring("timestamp:".length())));
            } catch (NumberFormatException e) {
                // below
            }
        }
        throw new IllegalArgumentException("--starting-offsets is earliest, latest, committed or timestamp:MS, got " + s);
    }

    @Override
    public String toString() {
        return "KafkaConnection[properties " + properties.keySet() + " (values not shown), starting offsets " + startingOffsets + "]";
    }
}
