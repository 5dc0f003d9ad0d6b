package dev.tuna.worker.cluster;

import org.quartz.Job;
import org.quartz.JobExecutionContext;

/**
 * The Quartz job "run one trial of study S" (its data: the study's name). Quartz stores it in the shared
 * database; whichever node acquires its trigger runs it, and a node that recovers it from a dead one runs it
 * with {@code isRecovering()}.
 */
final class ClusterTrialJob implements Job {
    /** The job data key of the study's name. */
    static final String STUDY = "study";

    private final ClusterTrialRunner runner;

    ClusterTrialJob(ClusterTrialRunner runner) {
        this.runner = runner;
    }

    @Override
    public void execute(JobExecutionContext context) {
        String study = context.getMergedJobDataMap().getString(STUDY);
        runner.run(study, context.getJobDetail().getKey().getName(), context.isRecovering());
    }
}
