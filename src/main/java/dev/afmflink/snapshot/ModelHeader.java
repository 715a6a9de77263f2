package dev.afmflink.snapshot;

import dev.afmflink.model.AfmConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The header of a model file: what the model is (hyper-parameters, k, t, loss in {@code config}),
 * which version it is, and how many examples it has seen.
 *
 * @param kind          full or delta
 * @param modelVersion  grows with every publish of a model key
 * @param baseVersion   for a delta, the version it applies on top of (0 for a full snapshot)
 * @param examples      examples trained when written
 * @param config        the hyper-parameters
 */
public record ModelHeader(ModelFormat.Kind kind, long modelVersion, long baseVersion, long examples,
                          AfmConfig config) {

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format_version", ModelFormat.FORMAT_VERSION);
        m.put("kind", kind.name().toLowerCase(java.util.Locale.ROOT));
        m.put("model_version", modelVersion);
        m.put("base_version", baseVersion);
        m.put("examples", examples);
        m.put("config", config.toMap());
        return m;
    }

    @SuppressWarnings("unchecked")
    public static ModelHeader fromMap(Map<String, Object> m) {
        Object fv = m.get("format_version");
        if (!(fv instanceof Number n) || n.intValue() != ModelFormat.FORMAT_VERSION) {
            throw new IllegalArgumentException("unsupported model format version " + fv);
        }
        return new ModelHeader(ModelFormat.Kind.valueOf(((String) m.get("kind")).toUpperCase(java.util.Locale.ROOT)),
                ((Number) m.get("model_version")).longValue(), ((Number) m.get("base_version")).longValue(),
                ((Number) m.get("examples")).longValue(), AfmConfig.fromMap((Map<String, ?>) m.get("config")));
    }
}
