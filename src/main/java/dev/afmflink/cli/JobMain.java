package dev.afmflink.cli;

/**
 * The entry class for a job started inside a Flink cluster (application mode: the Flink
 * Kubernetes Operator's {@code FlinkDeployment}, {@code flink run-application}): runs a
 * {@code bin/afm} command as {@link Main} does, but never calls {@code System.exit}, which there
 * would end the JobManager's process; a failure is thrown instead, so the cluster reports it.
 */
public final class JobMain {
    private JobMain() {
    }

    public static void main(String[] argv) {
        int code = Main.run(argv);
        if (code != 0) {
            throw new IllegalStateException("afm " + (argv.length > 0 ? argv[0] : "") + " exited with " + code
                    + " (the reason is printed above)");
        }
    }
}
