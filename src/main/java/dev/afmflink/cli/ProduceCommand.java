package dev.afmflink.cli;

import dev.afmflink.embedded.FileReplay;
import dev.afmflink.job.KafkaConnection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code bin/afm produce}: files of events onto a topic of any broker, as {@code bin/afm stream --input} puts them on its own. */
final class ProduceCommand implements Command {
    @Override
    public String name() {
        return "produce";
    }

    @Override
    public String summary() {
        return "put files of events (JSON events or libfm lines, plain or .gz) on a Kafka topic, one record per line, in order, "
                + "as bin/afm stream --input does on its embedded broker (record times from 2026-01-01: the topic needs "
                + "retention.ms=-1, or time-based retention may delete them)";
    }

    @Override
    public String positional() {
        return "FILE...";
    }

    @Override
    public List<Args.Option> options() {
        return List.of(new Args.Option("bootstrap-servers", "HOST:PORT", null, "the Kafka to send to"),
                new Args.Option("topic", "NAME", "afm-input", "the job's input topic"),
                new Args.Option("rate", "N", "0", "records per second (0: as fast as the broker takes them)"),
                new Args.Option("kafka-property", "KEY=VALUE", null, "a Kafka client property (security.protocol, sasl.*, ssl.*, ...), "
                        + "as the job takes them; repeatable; values are never printed"),
                new Args.Option("kafka-properties", "FILE", null, "Kafka client properties from a Java properties file "
                        + "(--kafka-property wins on the same key)"));
    }

    @Override
    public int run(Args a) throws Exception {
        String servers = a.require("bootstrap-servers");
        List<Path> files = files(a);
        KafkaConnection kafka = KafkaConnection.of(a.get("kafka-properties"), a.all("kafka-property"), "earliest");
        FileReplay.Sent sent = FileReplay.send(servers, kafka.asProperties(), a.get("topic"), files, a.getDouble("rate", 0), null, 0,
                System.out);
        System.out.printf(java.util.Locale.ROOT, "sent %d records (%d bytes) from %d file(s) to %s on %s in %.1f s%s%n",
                sent.records() - sent.failed(), sent.bytes(), files.size(), a.get("topic"), servers, sent.seconds(),
                sent.failed() > 0 ? "; " + sent.failed() + " refused by the broker" : "");
        return sent.failed() > 0 ? 1 : 0;
    }

    /** The FILE arguments, each checked before anything is sent. */
    static List<Path> files(Args a) {
        if (a.positionals().isEmpty()) {
            throw new Args.UsageException("give at least one FILE of events");
        }
        List<Path> files = new ArrayList<>();
        for (String f : a.positionals()) {
            files.add(Args.existing(f, f));
        }
        return files;
    }
}
