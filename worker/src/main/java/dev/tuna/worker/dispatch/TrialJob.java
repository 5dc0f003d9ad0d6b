package dev.tuna.worker.dispatch;

import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Quartz job of one trial: finds its task by the job's name and runs it on this worker thread. */
final class TrialJob implements Job {
    private static final Logger LOG = LoggerFactory.getLogger(TrialJob.class);

    private final TrialScheduler scheduler;

    TrialJob(TrialScheduler scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public void execute(JobExecutionContext context) {
        String id = context.getJobDetail().getKey().getName();
        TrialTask task = scheduler.task(id);
        if (task == null) {
            LOG.warn("job {} has no trial in this worker (recovered from another one?); skipped", id);
            return;
        }
        if (context.isRecovering()) {
            task.runLost(); // the execution before this one died with its worker
        } else {
            task.runIfUnclaimed();
        }
    }
}
