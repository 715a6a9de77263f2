package dev.afmflink.embedded;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Kafka broker (KRaft, broker + controller) as a child JVM on 127.0.0.1 with
 * ephemeral ports and its own log directory, started from the jars on this JVM's class path.
 * Start-up is polled for readiness with a bounded wait; {@link #close()} stops it.
 */
public final class KafkaBroker implements AutoCloseable {
    private final Path dir;
    private final int port;
    private Process process;
    private int saslPort;

    private KafkaBroker(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The SASL/PLAIN listener's address (null without one). */
    public String saslBootstrapServers() {
        return saslPort == 0 ? null : "127.0.0.1:" + saslPort;
    }

    /** Starts a broker in {@code dir}; waits up to {@code timeoutSeconds} for it to answer. */
    public static KafkaBroker start(Path dir, long timeoutSeconds) throws IOException, InterruptedException {
        return start(dir, timeoutSeconds, null);
    }

    /**
     * The same with a second listener, SASL_PLAINTEXT with the PLAIN mechanism, for {@code users}
     * (name → password; null: no such listener), as a secured production Kafka would be reached.
     */
    public static KafkaBroker start(Path dir, long timeoutSeconds, Map<String, String> users) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int port = freePort();
        int controllerPort = freePort();
        int saslPort = users == null ? 0 : freePort();
        Path logs = dir.resolve("kraft-logs");
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        if (users != null) {
            p.setProperty("listeners", p.getProperty("listeners") + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
            p.setProperty("advertised.listeners", p.getProperty("advertised.listeners") + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
            p.setProperty("listener.security.protocol.map", p.getProperty("listener.security.protocol.map")
                    + ",SASL_PLAINTEXT:SASL_PLAINTEXT");
            p.setProperty("sasl.enabled.mechanisms", "PLAIN");
            StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
            users.forEach((u, pw) -> jaas.append(" user_").append(u).append("=\"").append(pw).append('"'));
            p.setProperty("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.append(';').toString());
        }
        p.setProperty("log.dirs", logs.toString());
        p.setProperty("num.partitions", "1");
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("message.max.bytes", Integer.toString(64 << 20));
        p.setProperty("replica.fetch.max.bytes", Integer.toString(64 << 20));
        // Retention by size only: simulated and replayed events carry event times in the past, and
        // time-based retention (by record timestamp) would delete them mid-run.
        p.setProperty("log.retention.ms", "-1");
        p.setProperty("log.retention.bytes", Long.toString(1L << 30));
        Path props = dir.resolve("server.properties");
        try (var w = Files.newBufferedWriter(props, StandardCharsets.UTF_8)) {
            p.store(w, "afm-flink embedded broker");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        run(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", cp, "kafka.tools.StorageTool", "format",
                "-t", Uuid.randomUuid().toString(), "-c", props.toString()), dir.resolve("format.log"), 120);
        KafkaBroker b = new KafkaBroker(dir, port, launch(dir));
        b.saslPort = saslPort;
        try {
            b.awaitReady(timeoutSeconds);
        } catch (IOException | InterruptedException | RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    private static Process launch(Path dir) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx768m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "kafka.Kafka",
                dir.resolve("server.properties").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile())).start();
    }

    /** The broker process's id (a test stops and continues it: a broker that stalls). */
    public long pid() {
        return process.pid();
    }

    /** {@code kill -9} of the broker process (its data stays on disk). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Starts the broker again on the same ports and data after {@link #kill()}; waits until it answers. */
    public void restart(long timeoutSeconds) throws IOException, InterruptedException {
        process = launch(dir);
        awaitReady(timeoutSeconds);
    }

    private static void run(List<String> cmd, Path log, long timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", cmd.subList(cmd.size() - 5, cmd.size())));
        }
        if (p.exitValue() != 0) {
            throw new IOException("failed (exit " + p.exitValue() + "): " + Files.readString(log));
        }
    }

    private void awaitReady(long timeoutSeconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("Kafka broker exited (" + process.exitValue() + "); see " + dir.resolve("broker.log"));
            }
            try (Admin admin = admin()) {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                last = e;
                Thread.sleep(500);
            }
        }
        throw new IOException("Kafka broker not ready after " + timeoutSeconds + " s; see " + dir.resolve("broker.log"), last);
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000"));
    }

    /** Creates topics with one partition each; the snapshots topic accepts 64 MiB records. */
    public void createTopics(Collection<String> names, String largeRecordsTopic) throws Exception {
        createTopics(names, largeRecordsTopic, 1);
    }

    /** As {@link #createTopics(Collection, String)}, each topic with {@code partitions} partitions. */
    public void createTopics(Collection<String> names, String largeRecordsTopic, int partitions) throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (String n : names) {
            NewTopic t = new NewTopic(n, partitions, (short) 1);
            if (n.equals(largeRecordsTopic)) {
                t.configs(Map.of("max.message.bytes", Integer.toString(64 << 20)));
            }
            topics.add(t);
        }
        try (Admin admin = admin()) {
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        }
    }

    /** A free TCP port on 127.0.0.1 (for the broker's listeners, and other local servers started beside it). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
