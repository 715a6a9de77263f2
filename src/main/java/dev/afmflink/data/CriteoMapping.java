package dev.afmflink.data;

import java.util.Locale;

/**
 * Our mapping of a Criteo display-ads row ({@code label \t I1..I13 \t C1..C26}) to libfm:
 * <ul>
 *   <li>integer column Ij with value n: one categorical feature (field "Ij", value "b&lt;bucket&gt;")
 *       with bucket = n for n ≤ 2 and ⌊ln(n)²⌋ for n &gt; 2 (the transform of the challenge's
 *       winning entry), x = 1;
 *   <li>categorical column Cj with value s: feature (field "Cj", value s), x = 1;
 *   <li>an empty column contributes no feature (absence is information the linear part learns
 *       through w0);
 *   <li>ids are {@link FeatureHash#of(String, String)}, so the same row always maps to the same ids
 *       in the offline trainer and in the stream, with no dictionary pass.
 * </ul>
 */
public final class CriteoMapping {
    public static final int INTEGER_COLUMNS = 13;
    public static final int CATEGORICAL_COLUMNS = 26;

    private CriteoMapping() {
    }

    /** The libfm line for one Criteo row, or throws {@link DataFormatException} with the reason. */
    public static String toLibfm(String row) {
        String[] cols = row.split("\t", -1);
        if (cols.length != 1 + INTEGER_COLUMNS + CATEGORICAL_COLUMNS) {
            throw new DataFormatException("expected 40 tab-separated columns, found " + cols.length);
        }
        String label = cols[0].trim();
        if (!label.equals("0") && !label.equals("1")) {
            throw new DataFormatException("label '" + label + "' is not 0 or 1");
        }
        StringBuilder sb = new StringBuilder(512).append(label);
        for (int j = 1; j <= INTEGER_COLUMNS; j++) {
            String v = cols[j].trim();
            if (v.isEmpty()) {
                continue;
            }
            long n;
            try {
                n = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new DataFormatException("column I" + j + " value '" + v + "' is not an integer");
            }
            long bucket = n <= 2 ? n : (long) Math.floor(Math.pow(Math.log(n), 2));
            sb.append(' ').append(FeatureHash.of("I" + j, "b" + bucket)).append(":1");
        }
        for (int j = 1; j <= CATEGORICAL_COLUMNS; j++) {
            String v = cols[INTEGER_COLUMNS + j].trim();
            if (v.isEmpty()) {
                continue;
            }
            sb.append(' ').append(FeatureHash.of("C" + j, v.toLowerCase(Locale.ROOT))).append(":1");
        }
        return sb.toString();
    }
}
