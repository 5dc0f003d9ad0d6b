package dev.tuna.worker.dispatch;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;

/** The Quartz job of a scheduled study: one run each time its cron trigger fires, never two at once. */
@DisallowConcurrentExecution
final class StudyRunJob implements Job {
    private final TrialScheduler scheduler;

    StudyRunJob(TrialScheduler scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public void execute(JobExecutionContext context) {
        ScheduledStudy study = scheduler.scheduledStudy(context.getJobDetail().getKey());
        if (study != null) {
            study.fire();
        }
    }
}
