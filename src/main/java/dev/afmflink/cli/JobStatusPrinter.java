package dev.afmflink.cli;

import dev.afmflink.job.AfmStreamJob;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;

/** What a local run of the job prints about the job itself, apart from its progress ({@link StreamMonitor}). */
final class JobStatusPrinter {
    private JobStatusPrinter() {
    }

    /**
     * Prints every change of the job's status as it happens (a task failure shows as RESTARTING,
     * then RUNNING again), so a job that fails does not fail silently; the causes are in target/afm.log.
     */
    static Thread start(JobClient job, java.io.PrintStream out) {
        Thread t = new Thread(() -> {
            JobStatus last = JobStatus.RUNNING;
            int restarts = 0;
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    JobStatus now = job.getJobStatus().get(10, java.util.concurrent.TimeUnit.SECONDS);
                    if (now != last && now != JobStatus.CREATED
                            && now != JobStatus.INITIALIZING) {
                        if (now == JobStatus.RESTARTING) {
                            restarts++;
                        }
                        if (now != JobStatus.FINISHED) {
                            out.println("job " + now + (now == JobStatus.RESTARTING
                                    ? " after a task failure (" + restarts + " so far; at most " + AfmStreamJob.LOCAL_MAX_FAILURES
                                    + " in 10 minutes, then the job fails; the cause is in target/afm.log)" : ""));
                        }
                        last = now;
                    }
                    if (now.isGloballyTerminalState()) {
                        return;
                    }
                    // often enough to see a RUNNING between two restarts: a job that fails at once after a restart is
                    // RUNNING for a fifth of a second (the one chain at parallelism 1 deploys fast), 250 ms missed one
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    return; // the job is gone: its result says how it ended
                }
            }
        }, "afm-job-status");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
