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
 * @param baseDigest    for a delta, the digest ({@link ModelFormat#digest}) of the file published as its base
 *                      version: a consumer applies it only to exactly that model (null: not recorded, files
 *                      written before digests)
 * @param weightsOnly   the file holds the weights only (w, v and the attention network), no optimizer
 *                      state: enough to serve, not to continue training (header {@code "content": "weights"})
 * @param modelKey      the model key the job published it for (header {@code "model_key"}; null: not recorded,
 *                      an offline model or a file written before keys were recorded). Readers of a folder of
 *                      versions refuse a file whose key is not the folder's ({@link SnapshotFolders#keyMismatch})
 */
public record ModelHeader(ModelFormat.Kind kind, long modelVersion, long baseVersion, long examples,
                          AfmConfig config, String baseDigest, boolean weightsOnly, String modelKey) {

    public ModelHeader(ModelFormat.Kind kind, long modelVersion, long baseVersion, long examples, AfmConfig config,
                       String baseDigest, boolean weightsOnly) {
        this(kind, modelVersion, baseVersion, examples, config, baseDigest, weightsOnly, null);
    }

    /** This header, naming {@code key} as its model key. */
    public ModelHeader withModelKey(String key) {
        return new ModelHeader(kind, modelVersion, baseVersion, examples, config, baseDigest, weightsOnly, key);
    }

    public ModelHeader(ModelFormat.Kind kind, long modelVersion, long baseVersion, long examples, AfmConfig config) {
        this(kind, modelVersion, baseVersion, examples, config, null, false);
    }

    public ModelHeader(ModelFormat.Kind kind, long modelVersion, long baseVersion, long examples, AfmConfig config,
                       String baseDigest) {
        this(kind, modelVersion, baseVersion, examples, config, baseDigest, false);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format_version", ModelFormat.formatVersion(config.precision()));
        m.put("kind", kind.id());
        if (modelKey != null) {
            m.put("model_key", modelKey);
        }
        m.put("model_version", modelVersion);
        m.put("base_version", baseVersion);
        if (baseDigest != null) {
            m.put("base_digest", baseDigest);
        }
        m.put("examples", examples);
        if (weightsOnly) {
            m.put("content", "weights");
        }
        m.put("config", config.toMap());
        return m;
    }

    @SuppressWarnings("unchecked")
    public static ModelHeader fromMap(Map<String, Object> m) {
        Object fv = m.get("format_version");
        if (!(fv instanceof Number n) || !ModelFormat.known(n.intValue())) {
            throw new IllegalArgumentException("unsupported model format version " + fv);
        }
        AfmConfig config = AfmConfig.fromMap((Map<String, ?>) m.get("config"));
        if (((Number) fv).intValue() != ModelFormat.formatVersion(config.precision())) {
            throw new IllegalArgumentException("format version " + fv + " does not hold a " + config.precision().id() + " model");
        }
        return new ModelHeader(ModelFormat.Kind.of((String) m.get("kind")),
                ((Number) m.get("model_version")).longValue(), ((Number) m.get("base_version")).longValue(),
                ((Number) m.get("examples")).longValue(), config, (String) m.get("base_digest"), "weights".equals(m.get("content")),
                m.get("model_key") instanceof String k ? k : null);
    }
}
