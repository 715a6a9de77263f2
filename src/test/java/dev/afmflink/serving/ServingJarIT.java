package dev.afmflink.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.snapshot.ModelFormat;
import dev.afmflink.snapshot.ModelWriter;
import dev.afmflink.snapshot.SnapshotFolders;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serving jar ({@code mvn package}) holds no Flink class and serves a streamed model's folder
 * of versions with nothing else on its classpath ({@code java -jar}), scoring as the library does.
 */
class ServingJarIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theServingJarServesAStreamedModelWithoutFlink(@TempDir Path dir) throws Exception {
        Path jar = Path.of(System.getProperty("afm.serving.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " was built");
        try (JarFile j = new JarFile(jar.toFile())) {
            assertEquals(0, j.stream().filter(e -> e.getName().startsWith("org/apache/flink/")).count(), "no Flink class");
            assertEquals(0, j.stream().filter(e -> e.getName().startsWith("dev/afmflink/job/")).count(), "no job class");
        }
        AfmModel model = new AfmModel(LiveModelTest.CONFIG);
        for (int i = 0; i < 200; i++) {
            Example x = Example.of(i % 3 == 0 ? 1 : 0, new long[] {i % 7, 100 + i % 11, 200 + i % 5}, new double[] {1, 1, 1});
            model.train(x, 0);
        }
        SnapshotFolders.writeLocal(dir, "default", 1, ModelFormat.Kind.FULL, ModelWriter.fullBytes(model, 1));

        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
                "serve", "--model", dir.resolve("default").toString(), "--port", "0", "--seconds", "60")
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            int port = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            StringBuilder seen = new StringBuilder();
            while (port < 0 && System.nanoTime() < deadline) {
                String line = out.readLine();
                if (line == null) {
                    break;
                }
                seen.append(line).append('\n');
                Matcher m = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)").matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            assertTrue(port > 0, "the server started: " + seen);
            HttpClient http = HttpClient.newHttpClient();
            URI health = URI.create("http://127.0.0.1:" + port + "/health");
            int status = 0;
            while (status != 200 && System.nanoTime() < deadline) {
                status = http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
                Thread.sleep(100);
            }
            assertEquals(200, status, "the folder's model is loaded");
            String body = "{\"id\":\"a\",\"features\":{\"user\":\"u1\",\"ad\":\"a2\"}}";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/score"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode got = JSON.readTree(r.body()).get(0);
            double expected = model.predict(dev.afmflink.data.ScoringReader.event(JSON.readTree(body)));
            assertEquals(expected, got.get("prediction").asDouble(), 1e-12);
            assertEquals(1, got.get("version").asLong());
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
