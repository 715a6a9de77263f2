package dev.afmflink.data;

/**
 * Our mapping of an Avazu row ({@code id,click,hour,C1,banner_pos,site_id,...,C21}, 24 columns)
 * to libfm: every column but {@code id} (an impression id) and {@code click} (the label) is one
 * categorical feature (field = column name, value as written), x = 1, except {@code hour}
 * (YYMMDDHH), which becomes the hour of the day ("HH") so that it generalises across days. Ids are
 * {@link FeatureHash#of(String, String)}. The header row is recognised and skipped by the caller
 * ({@link #isHeader}).
 */
public final class AvazuMapping {
    public static final String[] COLUMNS = {"id", "click", "hour", "C1", "banner_pos", "site_id", "site_domain",
        "site_category", "app_id", "app_domain", "app_category", "device_id", "device_ip", "device_model", "device_type",
        "device_conn_type", "C14", "C15", "C16", "C17", "C18", "C19", "C20", "C21"};

    private AvazuMapping() {
    }

    public static boolean isHeader(String row) {
        return row.startsWith("id,click,");
    }

    /** The libfm line for one Avazu row, or throws {@link DataFormatException} with the reason. */
    public static String toLibfm(String row) {
        String[] cols = row.split(",", -1);
        if (cols.length != COLUMNS.length) {
            throw new DataFormatException("expected " + COLUMNS.length + " comma-separated columns, found " + cols.length);
        }
        String label = cols[1].trim();
        if (!label.equals("0") && !label.equals("1")) {
            throw new DataFormatException("click '" + label + "' is not 0 or 1");
        }
        StringBuilder sb = new StringBuilder(512).append(label);
        for (int j = 2; j < cols.length; j++) {
            String v = cols[j].trim();
            if (v.isEmpty()) {
                continue;
            }
            if (j == 2) {
                if (v.length() != 8) {
                    throw new DataFormatException("hour '" + v + "' is not YYMMDDHH");
                }
                v = v.substring(6);
            }
            sb.append(' ').append(FeatureHash.of(COLUMNS[j], v)).append(":1");
        }
        return sb.toString();
    }
}
