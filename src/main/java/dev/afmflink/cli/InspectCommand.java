package dev.afmflink.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.afmflink.snapshot.ModelReader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class InspectCommand implements Command {
    @Override
    public String name() {
        return "inspect";
    }

    @Override
    public String summary() {
        return "print a model's header (format, version, hyper-parameters) and sizes as JSON";
    }

    @Override
    public List<Args.Option> options() {
        return List.of(new Args.Option("model", "DIR", null, "model directory, model.afm file, or a streamed model's folder of versions (a path or a URI of any file system the job writes to)"));
    }

    @Override
    public int run(Args a) throws Exception {
        ModelReader.Loaded m = ModelReader.load(a.require("model"), ModelReader.IDS_ONLY); // a count needs the ids, not the rows
        Map<String, Object> out = new LinkedHashMap<>(m.header().toMap());
        out.put("features", m.model().features().size());
        out.put("refused_updates", m.model().shared().refusedUpdates);
        System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
        return 0;
    }
}
