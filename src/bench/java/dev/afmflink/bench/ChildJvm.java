package dev.afmflink.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A fresh JVM running one of {@code bin/afm}'s commands with this JVM's classpath and module flags. */
final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * The command line: this JVM's java and flags (heap and GC logging replaced by {@code jvmFlags}
     * where given there), {@code dev.afmflink.cli.Main}, then {@code args}.
     */
    static List<String> command(List<String> jvmFlags, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmFlags);
        for (String f : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            boolean replaced = jvmFlags.stream().anyMatch(j -> prefix(j).equals(prefix(f)));
            if (!replaced) {
                cmd.add(f);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.afmflink.cli.Main");
        cmd.addAll(args);
        return cmd;
    }

    /** What makes two flags the same setting: -Xmx, -Xms, -Xlog, -Dname. */
    private static String prefix(String flag) {
        if (flag.startsWith("-D")) {
            int eq = flag.indexOf('=');
            return eq < 0 ? flag : flag.substring(0, eq);
        }
        return flag.length() >= 4 && flag.startsWith("-X") ? flag.substring(0, 4) : flag;
    }
}
