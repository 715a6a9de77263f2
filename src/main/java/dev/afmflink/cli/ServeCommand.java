package dev.afmflink.cli;

import dev.afmflink.serving.HttpModelServer;
import dev.afmflink.serving.KafkaSnapshots;
import dev.afmflink.serving.LiveModel;
import dev.afmflink.serving.ScoringService;
import java.util.List;

/** {@code bin/afm serve}: the live model server (docs/serving.md). Needs no Flink: it is also the serving jar's command. */
final class ServeCommand implements Command {
    @Override
    public String name() {
        return "serve";
    }

    @Override
    public String summary() {
        return "serve a model over HTTP, following its snapshots (Kafka topic or folder): POST /v1/score, GET /v1/model, /health, /metrics";
    }

    @Override
    public List<Args.Option> options() {
        return List.of(
                new Args.Option("model", "DIR", null, "follow this folder of versions (the job's --snapshot-dir/<model key>), or serve a model.afm"),
                new Args.Option("bootstrap-servers", "HOST:PORT", null, "follow the snapshots topic on this Kafka instead"),
                new Args.Option("snapshots-topic", "NAME", "afm-snapshots", "the job's snapshots topic"),
                new Args.Option("model-key", "KEY", "default", "which model key to serve"),
                new Args.Option("impressions-topic", "NAME", null, "also write every scored event with an id to this topic as an impression (closes the loop; needs --bootstrap-servers)"),
                new Args.Option("bind", "ADDRESS", "127.0.0.1", "address to listen on"),
                new Args.Option("port", "N", "8080", "port (0: any free port)"),
                new Args.Option("threads", "N", "4", "worker threads that score complete requests (sockets are read by --io-threads without blocking: a slow client holds no thread)"),
                new Args.Option("io-threads", "N", "2", "non-blocking socket threads"),
                new Args.Option("max-body-bytes", "N", "4194304", "larger request bodies get 413 (a larger Content-Length at once, before the body is read)"),
                new Args.Option("max-events", "N", Integer.toString(ScoringService.DEFAULT_MAX_EVENTS), "events in one request; more get 413"),
                new Args.Option("max-features", "N", Integer.toString(dev.afmflink.data.EventLimits.DEFAULT.maxFeatures()), "features in one event, as the job's --max-features; more: that event gets too_many_features"),
                new Args.Option("max-header-bytes", "N", Integer.toString(HttpModelServer.Limits.DEFAULT.maxHeaderBytes()), "larger request headers end the connection"),
                new Args.Option("request-timeout-ms", "MS", Integer.toString(HttpModelServer.Limits.DEFAULT.requestTimeoutMs()), "a request's headers and body must arrive within this, else the connection is closed"),
                new Args.Option("idle-timeout-ms", "MS", Integer.toString(HttpModelServer.Limits.DEFAULT.idleTimeoutMs()), "a keep-alive connection idle this long is closed"),
                new Args.Option("max-connections", "N", Integer.toString(HttpModelServer.Limits.DEFAULT.maxConnections()), "connections served at once; more wait to be accepted"),
                new Args.Option("poll-ms", "MS", "200", "how often a followed folder is checked for new versions"),
                new Args.Option("seconds", "S", "0", "stop after S seconds (0: run until killed)"));
    }

    @Override
    public int run(Args a) throws Exception {
        String servers = a.get("bootstrap-servers");
        String folder = a.get("model");
        if ((servers == null) == (folder == null)) {
            throw new Args.UsageException("give --model DIR or --bootstrap-servers (and --model-key)");
        }
        if (a.get("impressions-topic") != null && servers == null) {
            throw new Args.UsageException("--impressions-topic needs --bootstrap-servers");
        }
        String key = a.get("model-key");
        LiveModel live = new LiveModel().forKey(key);
        KafkaSnapshots.Follower follower = null;
        KafkaSnapshots.Impressions impressions = null;
        var storage = folder == null ? null : dev.afmflink.snapshot.SnapshotStorage.of(folder);
        String dir = folder;
        if (servers != null) {
            follower = KafkaSnapshots.follow(servers, a.get("snapshots-topic"), key, live);
            if (a.get("impressions-topic") != null) {
                impressions = new KafkaSnapshots.Impressions(servers, a.get("impressions-topic"), key);
            }
        } else if (storage.exists(folder) && !storage.isDirectory(folder)
                || storage.exists(dev.afmflink.snapshot.SnapshotStorage.child(folder, dev.afmflink.snapshot.ModelFormat.FILE_NAME))) {
            // a single model (a bin/afm train --model-out folder or a model.afm): load once, in one pass
            String file = storage.isDirectory(folder)
                    ? dev.afmflink.snapshot.SnapshotStorage.child(folder, dev.afmflink.snapshot.ModelFormat.FILE_NAME) : folder;
            live.apply(storage.open(file), 0, file);
            dir = null;
        }
        if (folder != null && dir != null && !storage.exists(folder)) {
            System.err.println("afm serve: warning: " + folder + " does not exist (yet): /health answers 503 until a full snapshot appears there");
        }
        ScoringService service = new ScoringService(key, live, impressions, System::currentTimeMillis,
                dev.afmflink.data.EventLimits.DEFAULT.withMaxFeatures(a.getInt("max-features", 0)), a.getInt("max-events", 0));
        HttpModelServer.Limits limits = new HttpModelServer.Limits(a.getInt("threads", 4), a.getInt("io-threads", 2),
                a.getInt("max-body-bytes", 4 << 20), a.getInt("max-header-bytes", 0), a.getInt("request-timeout-ms", 0),
                a.getInt("idle-timeout-ms", 0), a.getInt("max-connections", 0));
        try (HttpModelServer server = HttpModelServer.start(service, a.get("bind"), a.getInt("port", 8080), limits)) {
            System.out.println("serving model '" + key + "' on http://" + a.get("bind") + ":" + server.port()
                    + " (POST /v1/score, GET /v1/model, /health, /metrics), following "
                    + (servers != null ? "topic " + a.get("snapshots-topic") + " on " + servers : folder));
            long until = a.getLong("seconds", 0) > 0 ? System.currentTimeMillis() + 1000 * a.getLong("seconds", 0) : Long.MAX_VALUE;
            long poll = a.getLong("poll-ms", 200);
            while (System.currentTimeMillis() < until) {
                if (dir != null) {
                    try {
                        live.pollFolder(storage, dir);
                    } catch (java.io.IOException e) {
                        System.err.println("afm serve: " + e.getMessage());
                    }
                }
                Thread.sleep(Math.max(10, Math.min(poll, until - System.currentTimeMillis())));
            }
        } finally {
            if (follower != null) {
                follower.close();
            }
            if (impressions != null) {
                impressions.close();
            }
        }
        return 0;
    }
}
