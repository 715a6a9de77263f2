package dev.afmflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;

/**
 * A real Flink cluster as separate processes on 127.0.0.1, from the project's own runtime
 * classpath (no Flink distribution): a JobManager ({@code StandaloneSessionClusterEntrypoint}) and
 * TaskManagers ({@code TaskManagerRunner}, memory flags from {@code BashJavaUtils} as Flink's
 * scripts compute them), jobs submitted with {@code CliFrontend run} as a user would, and the REST
 * API for everything else. Configuration: the project's flink-conf/config.yaml (its restart
 * strategy, state backend, checkpoint settings) with addresses, ports, memory and directories made
 * local. Every wait is bounded.
 */
public final class ProcessCluster implements AutoCloseable {
    public static final List<String> OPENS = List.of("java.lang", "java.util", "java.lang.reflect", "java.io", "java.net", "java.nio",
            "sun.nio.ch", "java.text", "java.time", "java.util.concurrent", "java.util.concurrent.atomic",
            "java.util.concurrent.locks");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Path conf;
    private final String classpath;
    private final int restPort;
    private final Process jobManager;
    private final Map<String, Process> taskManagers = new LinkedHashMap<>();
    private final Map<String, String> jvmHeaps = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ProcessCluster(Path dir, Path conf, String classpath, int restPort, Process jobManager) {
        this.dir = dir;
        this.conf = conf;
        this.classpath = classpath;
        this.restPort = restPort;
        this.jobManager = jobManager;
    }

    /** The Flink jars of the project's runtime classpath: no Kafka broker, Connect, web servers, connector or project classes. */
    public static String clusterClasspath(Path classpathFile) throws IOException {
        Pattern out = Pattern.compile("(kafka|connect-|jetty-|jersey|hk2|undertow|xnio|wildfly|jboss|prometheus|jackson-jakarta"
                + "|argparse4j|scala-|swagger|jose4j|flink-connector-kafka|async-profiler).*");
        return java.util.Arrays.stream(Files.readString(classpathFile).trim().split(java.io.File.pathSeparator))
                .filter(p -> !out.matcher(Path.of(p).getFileName().toString()).matches())
                .collect(Collectors.joining(java.io.File.pathSeparator));
    }

    public static List<String> jvmFlags() {
        List<String> f = new ArrayList<>();
        f.add("--add-modules");
        f.add("jdk.incubator.vector");
        for (String p : OPENS) {
            f.add("--add-opens=java.base/" + p + "=ALL-UNNAMED");
        }
        return f;
    }

    /** Starts a JobManager with {@code flink-conf/config.yaml} made local; waits for its REST API. */
    public static ProcessCluster start(Path dir, Path projectConf, String classpath, int slotsPerTaskManager) throws Exception {
        return start(dir, projectConf, classpath, slotsPerTaskManager, Map.of());
    }

    /**
     * The same with settings of {@code config.yaml} replaced after the local ones ({@code settings}; an empty value
     * removes the key: e.g. {@code taskmanager.memory.process.size} to size a TaskManager by its heap instead).
     */
    public static ProcessCluster start(Path dir, Path projectConf, String classpath, int slotsPerTaskManager,
                                       Map<String, String> settings) throws Exception {
        Files.createDirectories(dir);
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Configuration c = GlobalConfiguration.loadConfiguration(projectConf.toString());
        int rest = dev.afmflink.embedded.KafkaBroker.freePort();
        Map<String, String> m = new LinkedHashMap<>(c.toMap());
        m.keySet().removeIf(k -> k.startsWith("metrics.reporter") || k.startsWith("rest.") || k.startsWith("env.java"));
        m.put("jobmanager.rpc.address", "127.0.0.1");
        m.put("jobmanager.rpc.port", Integer.toString(dev.afmflink.embedded.KafkaBroker.freePort()));
        m.put("jobmanager.bind-host", "127.0.0.1");
        m.put("taskmanager.bind-host", "127.0.0.1");
        m.put("taskmanager.host", "127.0.0.1");
        m.put("rest.address", "127.0.0.1");
        m.put("rest.bind-address", "127.0.0.1");
        m.put("rest.port", Integer.toString(rest));
        m.put("jobmanager.memory.process.size", "1024m");
        m.put("taskmanager.memory.process.size", "1536m");
        m.put("taskmanager.memory.managed.fraction", "0.25");
        m.put("taskmanager.numberOfTaskSlots", Integer.toString(slotsPerTaskManager));
        m.put("execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
        m.put("execution.checkpointing.savepoint-dir", dir.resolve("savepoints").toUri().toString());
        m.put("io.tmp.dirs", Files.createDirectories(dir.resolve("tmp")).toString());
        m.put("heartbeat.timeout", "20000");
        m.put("heartbeat.interval", "2000");
        settings.forEach((k, v) -> {
            if (v.isEmpty()) {
                m.remove(k);
            } else {
                m.put(k, v);
            }
        });
        StringBuilder yaml = new StringBuilder();
        m.forEach((k, v) -> yaml.append(k).append(": ").append(v.contains(":") || v.contains(" ") ? "'" + v + "'" : v).append('\n'));
        Files.writeString(conf.resolve("config.yaml"), yaml.toString());
        Files.writeString(conf.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO", "rootLogger.appenderRef.file.ref = FileAppender",
                "appender.file.name = FileAppender", "appender.file.type = FILE", "appender.file.fileName = ${sys:log.file}",
                "appender.file.layout.type = PatternLayout", "appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c{1} - %m%n", ""));
        Process jm = java(dir, "jobmanager", List.of("-Xmx512m", "-XX:+UseSerialGC"), classpath,
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", List.of("--configDir", conf.toString()), conf);
        ProcessCluster cluster = new ProcessCluster(dir, conf, classpath, rest, jm);
        cluster.await("JobManager REST", 180, () -> cluster.getOrNull("/overview") != null);
        return cluster;
    }

    private static Process java(Path dir, String name, List<String> flags, String classpath, String main, List<String> args, Path conf)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(flags);
        cmd.addAll(jvmFlags());
        cmd.add("-Dlog.file=" + dir.resolve(name + ".log"));
        cmd.add("-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri());
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(main);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".out").toFile());
        pb.environment().put("FLINK_CONF_DIR", conf.toString());
        return pb.start();
    }

    /** Starts TaskManager {@code id} (its resource id) and waits until the JobManager counts {@code expected} TaskManagers. */
    public void startTaskManager(String id, int expected) throws Exception {
        startTaskManager(id, expected, List.of());
    }

    /** The same with JVM flags of its own after Flink's memory flags (a GC log, …). */
    public void startTaskManager(String id, int expected, List<String> flags) throws Exception {
        Path log = dir.resolve(id + "-params.out");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath,
                "org.apache.flink.runtime.util.bash.BashJavaUtils", "GET_TM_RESOURCE_PARAMS", "--configDir", conf.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("BashJavaUtils failed: " + Files.readString(log));
        }
        List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
        List<String> jvm = new ArrayList<>(List.of(lines.get(lines.size() - 2).replace("BASH_JAVA_UTILS_EXEC_RESULT:", "").trim()
                .split("\\s+")));
        List<String> dyn = new ArrayList<>(List.of(lines.get(lines.size() - 1).replace("BASH_JAVA_UTILS_EXEC_RESULT:", "").trim()
                .split("\\s+")));
        jvmHeaps.put(id, jvm.stream().filter(f -> f.startsWith("-Xmx") || f.startsWith("-Xms")).collect(Collectors.joining(" ")));
        jvm.addAll(flags);
        List<String> args = new ArrayList<>(List.of("--configDir", conf.toString()));
        args.addAll(dyn);
        args.add("-D");
        args.add("taskmanager.resource-id=" + id);
        taskManagers.put(id, java(dir, id, jvm, classpath, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", args, conf));
        await("TaskManager " + id + " registered", 180, () -> {
            JsonNode o = getOrNull("/overview");
            return o != null && o.get("taskmanagers").asInt() >= expected;
        });
    }

    /** The heap flags Flink's memory model gave TaskManager {@code id} ({@code -Xmx… -Xms…}). */
    public String jvmHeapOf(String id) {
        return jvmHeaps.get(id);
    }

    /** {@code kill -9} of a TaskManager process. */
    public void killTaskManager(String id) throws InterruptedException {
        Process p = taskManagers.remove(id);
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    /** Submits the job jar with {@code flink run -d} (CliFrontend); returns the job id. */
    public String submit(Path jobJar, String savepoint, List<String> jobArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "-d", "-m", "127.0.0.1:" + restPort));
        if (savepoint != null) {
            args.add("-s");
            args.add(savepoint);
        }
        args.addAll(List.of("-c", "dev.afmflink.cli.Main", jobJar.toString()));
        args.addAll(jobArgs);
        String name = "submit-" + System.nanoTime();
        Process p = java(dir, name, List.of("-Xmx512m", "-XX:TieredStopAtLevel=1"), classpath,
                "org.apache.flink.client.cli.CliFrontend", args, conf);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("flink run timed out");
        }
        String out = Files.readString(dir.resolve(name + ".out"));
        Matcher id = Pattern.compile("JobID ([0-9a-f]{32})").matcher(out);
        if (p.exitValue() != 0 || !id.find()) {
            throw new IOException("flink run failed (exit " + p.exitValue() + "):\n" + out);
        }
        return id.group(1);
    }

    /** The TaskManager resource ids running the vertex whose name contains {@code vertexName}. */
    public List<String> taskManagersRunning(String job, String vertexName) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode v : get("/jobs/" + job).get("vertices")) {
            if (v.get("name").asText().contains(vertexName)) {
                for (JsonNode tm : get("/jobs/" + job + "/vertices/" + v.get("id").asText() + "/taskmanagers").get("taskmanagers")) {
                    out.add(tm.get("taskmanager-id").asText());
                }
            }
        }
        return out;
    }

    /** True when the job and every one of its tasks are RUNNING. */
    public boolean running(String job) {
        JsonNode j = getOrNull("/jobs/" + job);
        if (j == null || !j.get("state").asText().equals("RUNNING")) {
            return false;
        }
        for (JsonNode v : j.get("vertices")) {
            if (!v.get("status").asText().equals("RUNNING")) {
                return false;
            }
        }
        return true;
    }

    /** Failures in the job's exception history (−1 when REST does not answer). */
    public int failures(String job) {
        JsonNode e = getOrNull("/jobs/" + job + "/exceptions");
        return e == null ? -1 : e.get("exceptionHistory").get("entries").size();
    }

    /** The id of the job's latest {@code completed} or {@code restored} checkpoint ({@code kind}), −1 when there is none. */
    public long latestCheckpointId(String job, String kind) {
        JsonNode c = getOrNull("/jobs/" + job + "/checkpoints");
        JsonNode latest = c == null ? null : c.path("latest").path(kind);
        return latest == null || latest.isMissingNode() || latest.isNull() ? -1 : latest.get("id").asLong();
    }

    public String state(String job) {
        JsonNode j = getOrNull("/jobs/" + job);
        return j == null ? "?" : j.get("state").asText();
    }

    /** Stop-with-savepoint (no drain); returns the savepoint's path. */
    public String stopWithSavepoint(String job) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(base() + "/jobs/" + job + "/stop"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"drain\":false}")).timeout(Duration.ofSeconds(30)).build();
        String trigger = JSON.readTree(http.send(r, HttpResponse.BodyHandlers.ofString()).body()).get("request-id").asText();
        String[] location = new String[1];
        await("savepoint", 300, () -> {
            JsonNode s = getOrNull("/jobs/" + job + "/savepoints/" + trigger);
            if (s == null || !s.get("status").get("id").asText().equals("COMPLETED")) {
                return false;
            }
            JsonNode op = s.get("operation");
            if (op.has("failure-cause")) {
                throw new IllegalStateException("savepoint failed: " + op.get("failure-cause"));
            }
            location[0] = op.get("location").asText();
            return true;
        });
        await("job stopped", 120, () -> state(job).equals("FINISHED"));
        return location[0];
    }

    public void cancel(String job) {
        try {
            http.send(HttpRequest.newBuilder(URI.create(base() + "/jobs/" + job + "?mode=cancel"))
                    .method("PATCH", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            // closing anyway
        }
    }

    public Path logOf(String name) {
        return dir.resolve(name + ".log");
    }

    private String base() {
        return "http://127.0.0.1:" + restPort;
    }

    public JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() != 200) {
            throw new IOException(path + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    public JsonNode getOrNull(String path) {
        try {
            return get(path);
        } catch (Exception e) {
            return null;
        }
    }

    /** Polls {@code condition} every 500 ms for at most {@code seconds}. */
    public void await(String what, long seconds, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (!jobManager.isAlive()) {
                throw new IOException("the JobManager exited; see " + dir.resolve("jobmanager.out"));
            }
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IOException("timed out after " + seconds + " s waiting for: " + what + " (logs in " + dir + ")");
    }

    @Override
    public void close() {
        for (Process p : taskManagers.values()) {
            p.destroyForcibly();
        }
        jobManager.destroyForcibly();
        try {
            jobManager.waitFor(30, TimeUnit.SECONDS);
            for (Process p : taskManagers.values()) {
                p.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
