package dev.afmflink.cli;

import dev.afmflink.data.AvazuMapping;
import dev.afmflink.data.CriteoMapping;
import dev.afmflink.data.DataFormatException;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

final class ConvertCommand implements Command {
    @Override
    public String name() {
        return "convert";
    }

    @Override
    public String summary() {
        return "convert a raw data set to libfm with hashed 64-bit feature ids (criteo, avazu: docs/criteo.md)";
    }

    @Override
    public List<Args.Option> options() {
        return List.of(new Args.Option("format", "criteo|avazu", "criteo", "input format (avazu: the CSV with its header row)"),
                new Args.Option("input", "FILE", null, "input (plain or .gz)"),
                new Args.Option("output", "FILE", null, "libfm output (.gz compresses)"),
                new Args.Option("skip", "N", "0", "skip the first N rows"),
                new Args.Option("limit", "N", null, "convert at most N rows (after --skip)"));
    }

    @Override
    public int run(Args a) throws Exception {
        boolean avazu = a.get("format").equals("avazu");
        if (!avazu && !a.get("format").equals("criteo")) {
            throw new Args.UsageException("unknown --format " + a.get("format") + " (criteo or avazu)");
        }
        Path in = Path.of(a.require("input"));
        Path out = Path.of(a.require("output"));
        long skip = a.getLong("skip", 0);
        long limit = a.getLong("limit", Long.MAX_VALUE);
        InputStream is = Files.newInputStream(in);
        if (in.toString().endsWith(".gz")) {
            is = new GZIPInputStream(is, 1 << 16);
        }
        OutputStream os = Files.newOutputStream(out);
        if (out.toString().endsWith(".gz")) {
            os = new GZIPOutputStream(os, 1 << 16);
        }
        long lineNo = 0;
        long written = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(is, StandardCharsets.UTF_8));
             BufferedWriter w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null && written < limit) {
                if (avazu && AvazuMapping.isHeader(line)) {
                    continue;
                }
                lineNo++;
                if (lineNo <= skip) {
                    continue;
                }
                try {
                    w.write(avazu ? AvazuMapping.toLibfm(line) : CriteoMapping.toLibfm(line));
                } catch (DataFormatException e) {
                    throw new DataFormatException(in + ":" + lineNo + ": " + e.getMessage());
                }
                w.write('\n');
                written++;
            }
        }
        System.err.println("wrote " + written + " examples to " + out);
        return 0;
    }
}
