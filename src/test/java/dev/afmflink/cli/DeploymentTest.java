package dev.afmflink.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.serving.HttpModelServer;
import dev.afmflink.serving.LiveModel;
import dev.afmflink.serving.ScoringService;
import dev.afmflink.snapshot.ModelWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deployment that works as written (issue 19): every manifest parses; the job's and the server's
 * arguments in the Kubernetes manifests and in docker-compose.yml go through the project's own
 * option parser (an option that does not exist fails the build); the server reads the folder the
 * job writes; the compose health check and the Python client run against a live server; the
 * version matrix in docs/deploy.md is the one the build uses.
 */
class DeploymentTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final AfmConfig CONFIG = new AfmConfig(8, 8, dev.afmflink.model.Loss.LOGISTIC, 0, 0, 0, 1, 0.1, 1,
            dev.afmflink.optim.OptimizerSpec.ftrl(0.1, 1, 0.5, 0), dev.afmflink.optim.OptimizerSpec.adagrad(0.05, 1e-8),
            dev.afmflink.optim.OptimizerSpec.adagrad(0.05, 1e-8));

    static List<JsonNode> documents(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode n = (JsonNode) it.next();
                if (n != null && !n.isNull() && !n.isMissingNode()) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Parses {@code args} (a command and its options) as bin/afm would; returns the parsed options. */
    static Args parse(List<String> args) {
        Command c = Main.COMMANDS.stream().filter(x -> x.name().equals(args.get(0))).findFirst().orElseThrow(
                () -> new AssertionError("no command " + args.get(0)));
        Args a = new Args(c.name(), c.options(), c.positional()).parse(args.subList(1, args.size()).toArray(new String[0]));
        if (c instanceof StreamCommand) {
            AfmConfig config = ModelOptions.config(a); // the values, not only the names
            assertNotNull(config);
        }
        return a;
    }

    static String local(String dirOrUri) {
        return dirOrUri.startsWith("file://") ? dirOrUri.substring("file://".length()) : dirOrUri;
    }

    @Test
    void kubernetesManifestsRunTheProjectsOwnCommandLines() throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("deploy/kubernetes"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                docs.addAll(documents(f));
            }
        }
        JsonNode flink = docs.stream().filter(d -> d.path("kind").asText().equals("FlinkDeployment")).findFirst().orElseThrow();
        JsonNode server = docs.stream().filter(d -> d.path("kind").asText().equals("Deployment")).findFirst().orElseThrow();
        assertTrue(docs.stream().anyMatch(d -> d.path("kind").asText().equals("Service")));
        // the job: the entry class exists and never exits the JobManager's JVM; its arguments parse
        JsonNode job = flink.at("/spec/job");
        assertEquals(JobMain.class.getName(), job.get("entryClass").asText());
        String dockerfile = Files.readString(Path.of("deploy/Dockerfile.job"));
        assertTrue(dockerfile.contains(job.get("jarURI").asText().replace("local://", "")), "the image holds the jar at jarURI");
        Args stream = parse(strings(job.get("args")));
        assertTrue(stream.has("detach") && stream.get("bootstrap-servers") != null);
        // checkpoints and snapshots on the shared volume, which the server mounts too
        String mount = flink.at("/spec/podTemplate/spec/containers/0/volumeMounts/0/mountPath").asText();
        assertTrue(local(stream.get("checkpoint-dir")).startsWith(mount + "/"), stream.get("checkpoint-dir"));
        assertTrue(local(stream.get("snapshot-dir")).startsWith(mount + "/"), stream.get("snapshot-dir"));
        assertEquals("failure-rate", flink.at("/spec/flinkConfiguration").get("restart-strategy.type").asText());
        assertTrue(flink.at("/spec/flinkConfiguration").get("metrics.reporter.prom.factory.class").asText().contains("Prometheus"));
        JsonNode container = server.at("/spec/template/spec/containers/0");
        Args serve = parse(strings(container.get("args")));
        assertEquals(container.at("/ports/0/containerPort").asInt(), serve.getInt("port", 0));
        assertEquals("/health", container.at("/readinessProbe/httpGet/path").asText());
        assertEquals(mount, container.at("/volumeMounts/0/mountPath").asText(), "pointer snapshots are readable by the server");
        assertTrue(Files.readString(Path.of("deploy/Dockerfile.serving")).contains("-serving.jar"));
    }

    @Test
    void dockerComposeRunsTheProjectsOwnCommandLinesAndItsHealthCheckWorks(@TempDir Path dir) throws Exception {
        JsonNode compose = documents(Path.of("docker-compose.yml")).get(0);
        JsonNode services = compose.get("services");
        List<String> submit = strings(services.at("/submit/command"));
        Args stream = parse(submit.subList(submit.indexOf("stream"), submit.size()));
        List<String> serveCmd = strings(services.at("/serve/command"));
        Args serve = parse(serveCmd.subList(serveCmd.indexOf("serve"), serveCmd.size()));
        assertNotNull(serve.get("bootstrap-servers"));
        // the server sees the folder the job writes snapshots to (the job's volumes come from the x-flink anchor)
        String models = local(stream.get("snapshot-dir"));
        assertTrue(strings(services.at("/serve/volumes")).stream().anyMatch(v -> v.split(":")[1].equals(models)),
                "serve mounts " + models);
        JsonNode flinkVolumes = services.at("/jobmanager/volumes").isMissingNode()
                ? compose.at("/x-flink/volumes") : services.at("/jobmanager/volumes"); // the YAML merge key, if not resolved
        assertTrue(strings(flinkVolumes).stream().anyMatch(v -> v.split(":")[1].equals(models)), "the job writes " + models);
        // health checks, and the submitter waits for a healthy JobManager
        for (String s : List.of("kafka", "jobmanager", "serve")) {
            assertTrue(services.get(s).has("healthcheck"), s);
        }
        assertEquals("service_healthy", services.at("/submit/depends_on/jobmanager/condition").asText());
        // the server's health check, run against a live server: fails before a model, passes after
        String check = services.at("/serve/healthcheck/test/1").asText();
        LiveModel live = new LiveModel();
        try (HttpModelServer server = HttpModelServer.start(new ScoringService("default", live, null, System::currentTimeMillis),
                "127.0.0.1", 0, HttpModelServer.Limits.DEFAULT)) {
            String here = check.replace("8080", Integer.toString(server.port()));
            assertEquals(1, sh(here), "not healthy before a full snapshot");
            live.apply(ModelWriter.fullBytes(new AfmModel(CONFIG), 1), 0, "v1");
            assertEquals(0, sh(here), "healthy once it holds a model");
        }
    }

    static int sh(String command) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), command);
        return p.exitValue() == 0 ? 0 : 1;
    }

    @Test
    void thePythonClientScoresAsTheModelDoes(@TempDir Path dir) throws Exception {
        AfmModel model = new AfmModel(CONFIG);
        List<String> events = new ArrayList<>();
        var it = new ClickSimulator(4).clickStream(200, 0, 10, "default");
        while (it.hasNext()) {
            String e = it.next();
            if (e.contains("\"impression\"")) {
                var x = dev.afmflink.data.ScoringReader.event(new ObjectMapper().readTree(e));
                events.add(e);
                x.label = events.size() % 3 == 0 ? 1 : 0;
                model.train(x, 0);
            }
        }
        events.add("{\"id\":\"bad\",\"features\":{\"a\":[1]}}");
        Path file = dir.resolve("events.jsonl");
        Files.write(file, events);
        LiveModel live = new LiveModel();
        live.apply(ModelWriter.fullBytes(model, 7), 0, "v7");
        try (HttpModelServer server = HttpModelServer.start(new ScoringService("default", live, null, System::currentTimeMillis),
                "127.0.0.1", 0, HttpModelServer.Limits.DEFAULT)) {
            Process p = new ProcessBuilder("python3", "deploy/clients/afm_client.py", "--url", "http://127.0.0.1:" + server.port(),
                    file.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(1, p.exitValue(), "one event had an error: exit 1");
            List<String> lines = out.lines().toList();
            assertEquals(events.size(), lines.size(), out);
            ObjectMapper json = new ObjectMapper();
            for (int i = 0; i < events.size() - 1; i++) {
                JsonNode r = json.readTree(lines.get(i));
                double expected = model.predict(dev.afmflink.data.ScoringReader.event(json.readTree(events.get(i))));
                assertEquals(expected, r.get("prediction").asDouble(), 0.0, "event " + i);
                assertEquals(7, r.get("version").asLong());
            }
            assertTrue(json.readTree(lines.get(lines.size() - 1)).get("error").asText().startsWith("wrong_type"));
            Process h = new ProcessBuilder("python3", "deploy/clients/afm_client.py", "--url", "http://127.0.0.1:" + server.port(),
                    "--health").start();
            assertTrue(h.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, h.exitValue());
        }
    }

    @Test
    void theVersionMatrixIsTheBuilds() throws Exception {
        String pom = Files.readString(Path.of("pom.xml"));
        String deploy = Files.readString(Path.of("docs/deploy.md"));
        String compose = Files.readString(Path.of("docker-compose.yml"));
        for (String prop : List.of("flink.version", "flink.kafka.version", "kafka.version")) {
            var m = java.util.regex.Pattern.compile("<" + java.util.regex.Pattern.quote(prop) + ">([^<]+)<").matcher(pom);
            assertTrue(m.find(), prop);
            assertTrue(deploy.contains(m.group(1)), "docs/deploy.md names " + prop + " " + m.group(1));
        }
        var flink = java.util.regex.Pattern.compile("<flink.version>([^<]+)<").matcher(pom);
        assertTrue(flink.find());
        assertTrue(compose.contains("flink:" + flink.group(1) + "-java17"), "docker-compose runs the Flink the job is built for");
        assertTrue(Files.readString(Path.of("deploy/Dockerfile.job")).contains("flink:" + flink.group(1) + "-java17"));
        var kafka = java.util.regex.Pattern.compile("<kafka.version>([^<]+)<").matcher(pom);
        assertTrue(kafka.find());
        assertTrue(compose.contains("apache/kafka:" + kafka.group(1)), "docker-compose runs the broker the tests run");
    }
}
