package dev.afmflink.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A command's declared options, parsed from {@code --name value} and {@code --flag}; unknown names are errors. */
public final class Args {

    /** One option: name without dashes, a value placeholder (null for a flag), default (null: none), help. */
    public record Option(String name, String value, String defaultValue, String help) {
    }

    private final String command;
    private final List<Option> options;
    private final Map<String, String> values = new LinkedHashMap<>();

    private final java.util.Map<String, List<String>> every = new java.util.HashMap<>();
    /** What the arguments after the options are called (e.g. "FILE..."), or null: none are taken. */
    private final String positional;
    private final List<String> positionals = new ArrayList<>();

    public Args(String command, List<Option> options) {
        this(command, options, null);
    }

    public Args(String command, List<Option> options, String positional) {
        this.command = command;
        this.positional = positional;
        this.options = new ArrayList<>(options);
        this.options.add(new Option("help", null, null, "print this help"));
    }

    /** These arguments with {@code extra} parsed on top (an option given again takes the new value). */
    public Args overlay(List<String> extra) {
        Args o = new Args(command, options.subList(0, options.size() - 1), positional);
        o.values.putAll(values);
        every.forEach((k, v) -> o.every.put(k, new ArrayList<>(v)));
        o.positionals.addAll(positionals);
        return o.parse(extra.toArray(new String[0]));
    }

    /** The arguments that are not options, in order (only for a command that takes them). */
    public List<String> positionals() {
        return positionals;
    }

    /** Parses argv; throws {@link UsageException} with the reason on a bad option. */
    public Args parse(String[] argv) {
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) {
                if (positional == null) {
                    throw new UsageException("unexpected argument '" + a + "'" + (a.startsWith("-") ? " (options start with --)" : ""));
                }
                positionals.add(a);
                continue;
            }
            String name = a.substring(2);
            String inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Option o = find(name);
            if (o == null) {
                String near = closest(name);
                throw new UsageException("unknown option --" + name + (near == null ? "" : " (did you mean --" + near + "?)"));
            }
            if (o.value() == null) {
                values.put(name, "true");
            } else if (inline != null) {
                values.put(name, inline);
            } else {
                if (i + 1 >= argv.length) {
                    throw new UsageException("--" + name + " needs a value (" + o.value() + ")");
                }
                values.put(name, argv[++i]);
            }
            every.computeIfAbsent(name, k -> new ArrayList<>()).add(values.get(name));
        }
        return this;
    }

    /** The declared option nearest to {@code name} (edit distance at most a third of its length, or a prefix), or null. */
    String closest(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Option o : options) {
            int d = o.name().startsWith(name) || name.startsWith(o.name()) ? 1 : distance(name, o.name());
            if (d < bestDistance) {
                bestDistance = d;
                best = o.name();
            }
        }
        return bestDistance <= Math.max(2, name.length() / 3) ? best : null;
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * One line for a failed command: the reason, with the cause a bare exception message hides
     * (a missing file's message is its path alone).
     */
    public static String describe(Throwable e) {
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return n.getFile() + ": no such file or directory" + (n.getReason() != null ? " (" + n.getReason() + ")" : "");
        }
        if (e instanceof java.nio.file.AccessDeniedException n) {
            return n.getFile() + ": permission denied";
        }
        if (e instanceof java.nio.file.NotDirectoryException n) {
            return n.getFile() + ": not a directory";
        }
        if (e instanceof java.io.UncheckedIOException u && u.getCause() != null) {
            return describe(u.getCause());
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /**
     * The file an option names, checked before any work starts: it must exist and be readable
     * (null if the option is not given and has no default).
     */
    public java.nio.file.Path file(String name) {
        String v = get(name);
        return v == null ? null : existing("--" + name + " " + v, v);
    }

    /** {@code path} checked as {@link #file}; {@code what} names it in the error. */
    public static java.nio.file.Path existing(String what, String path) {
        java.nio.file.Path p = java.nio.file.Path.of(path);
        String hint = path.contains("shared/") ? " (the research data sets and reference vectors are in ../shared beside the "
                + "project: README, \"What you need\")" : "";
        if (!java.nio.file.Files.exists(p)) {
            throw new UsageException(what + ": no such file or directory" + hint);
        }
        if (!java.nio.file.Files.isReadable(p)) {
            throw new UsageException(what + ": not readable (permission denied)");
        }
        return p;
    }

    /** The short answer to a wrong command line: the reason and where the options are listed. */
    public String usageError(String reason) {
        return "afm " + command + ": " + reason + "\n(bin/afm " + command + " --help lists every option)";
    }

    private Option find(String name) {
        for (Option o : options) {
            if (o.name().equals(name)) {
                return o;
            }
        }
        return null;
    }

    /** Every value a repeatable option was given, in order (empty if none). */
    public List<String> all(String name) {
        return every.getOrDefault(name, List.of());
    }

    public boolean help() {
        return has("help");
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String get(String name) {
        String v = values.get(name);
        if (v != null) {
            return v;
        }
        Option o = find(name);
        if (o == null) {
            throw new IllegalStateException("undeclared option " + name);
        }
        return o.defaultValue();
    }

    public String require(String name) {
        String v = get(name);
        if (v == null) {
            throw new UsageException("--" + name + " is required");
        }
        return v;
    }

    public double getDouble(String name, double fallback) {
        String v = get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " takes a number, got '" + v + "'");
        }
    }

    public long getLong(String name, long fallback) {
        String v = get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " takes an integer, got '" + v + "'");
        }
    }

    /** A duration option: a number with a unit (ms, s, m, h, d; none: ms), as milliseconds. */
    public long getDurationMs(String name, long fallback) {
        String v = get(name);
        return v == null ? fallback : durationMs(v, name);
    }

    /** A duration (a number with a unit: ms, s, m, h, d; none: ms) as milliseconds; {@code name} for the error. */
    public static long durationMs(String v, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?").matcher(v.trim());
        if (!m.matches()) {
            throw new UsageException("--" + name + " must be a duration such as 500ms, 30s, 15m, 12h or 7d, got " + v);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        long scale = switch (unit) {
            case "s" -> 1000L;
            case "m" -> 60_000L;
            case "h" -> 3_600_000L;
            case "d" -> 86_400_000L;
            default -> 1L;
        };
        return Math.multiplyExact(n, scale);
    }

    public int getInt(String name, int fallback) {
        long v = getLong(name, fallback);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new UsageException("--" + name + " is out of range");
        }
        return (int) v;
    }

    public String usage(String summary) {
        StringBuilder sb = new StringBuilder();
        sb.append("usage: bin/afm ").append(command).append(" [OPTIONS]").append(positional == null ? "" : " " + positional).append("\n").append(summary).append("\n\noptions:\n");
        for (Option o : options) {
            String left = "  --" + o.name() + (o.value() != null ? " " + o.value() : "");
            sb.append(String.format(Locale.ROOT, "%-32s %s", left, o.help()));
            if (o.defaultValue() != null) {
                sb.append(" (default: ").append(o.defaultValue()).append(')');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** A wrong command line: printed with the command's usage, exit code 2. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }
}
