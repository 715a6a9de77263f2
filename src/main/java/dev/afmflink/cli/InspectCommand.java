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
        return List.of(new Args.Option("model", "DIR", null, "model directory (or model.afm file)"));
    }

    @Override
    public int run(Args a) throws Exception {
        ModelReader.Loaded m = ModelReader.load(dev.afmflink.snapshot.SnapshotFolders.local(a.require("model")));
        Map<String, Object> out = new LinkedHashMap<>(m.header().toMap());
        out.put("features", m.model().features().size());
        out.put("refused_updates", m.model().shared().refusedUpdates);
        System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
        return 0;
    }
}
