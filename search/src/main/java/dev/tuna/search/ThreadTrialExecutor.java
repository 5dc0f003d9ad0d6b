package dev.tuna.search;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The default executor: the loop's parallelism in threads, each running trials one after another. */
final class ThreadTrialExecutor implements TrialExecutor {
    static final ThreadTrialExecutor INSTANCE = new ThreadTrialExecutor();

    private ThreadTrialExecutor() {
    }

    @Override
    public void execute(TrialLoop loop) {
        Runnable worker = () -> {
            for (Optional<Trial> trial = loop.nextTrial(); trial.isPresent(); trial = loop.nextTrial()) {
                loop.run(trial.get(), loop.objective());
            }
        };
        if (loop.parallelism() == 1) {
            worker.run();
            return;
        }
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < loop.parallelism(); i++) {
            Thread t = new Thread(worker, "tuna-" + loop.study().name() + "-" + i);
            threads.add(t);
            t.start();
        }
        // An interrupt stops the run and reaches the trials in flight, as it reaches the trial of a run in this
        // thread; optimize still returns only once they have ended: a caller may close the storage the moment it
        // returns.
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    if (!interrupted) {
                        interrupted = true;
                        loop.stop();
                        threads.forEach(Thread::interrupt);
                    }
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "threads";
    }
}
