package dev.tuna.worker.dispatch;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.StorageUnavailableException;
import dev.tuna.search.TrialLoop;
import dev.tuna.search.TrialOutcome;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Tells infrastructure failures (worth a retry) from the objective's own errors (never retried), and holds what
 * the local dispatcher and the cluster share around them: the retry of a failed trial.
 */
public final class Failures {
    /**
     * Device out-of-memory messages of the native engines: CUDA and cuBLAS/cuDNN ("CUDA out of memory",
     * "CUDA error: out of memory", "CUBLAS_STATUS_ALLOC_FAILED", "CUDNN_STATUS_ALLOC_FAILED"), PyTorch's CPU
     * allocator ("DefaultCPUAllocator: can't allocate memory", "not enough memory") and C++'s std::bad_alloc.
     */
    private static final Pattern DEVICE_OOM = Pattern.compile(
            "(?i)out of memory|_STATUS_ALLOC_FAILED|CUDA_ERROR_OUT_OF_MEMORY|can't allocate memory|not enough memory|bad_alloc");

    private Failures() {
    }

    /**
     * Whether a failure is the infrastructure's: an {@link InfrastructureException}, a storage that failed under the
     * trial ({@link StorageUnavailableException}: a database out of reach), or an exception whose message says a
     * device ran out of memory, anywhere in the cause chain. A Java {@link OutOfMemoryError} is
     * not: the JVM itself is then in trouble, and the run stops.
     */
    public static boolean isInfrastructure(Throwable error) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable e = error; e != null && seen.put(e, Boolean.TRUE) == null; e = e.getCause()) {
            if (e instanceof OutOfMemoryError) {
                return false;
            }
            if (e instanceof InfrastructureException || e instanceof StorageUnavailableException) {
                return true;
            }
            if (e.getMessage() != null && DEVICE_OOM.matcher(e.getMessage()).find()) {
                return true;
            }
        }
        return false;
    }

    /** Whether a trial's run ended FAIL for an infrastructure reason ({@link #isInfrastructure}). */
    public static boolean failedForInfrastructure(TrialOutcome outcome) {
        FrozenTrial failed = outcome.trial();
        return failed != null && failed.state() == TrialState.FAIL && outcome.error() != null
                && isInfrastructure(outcome.error());
    }

    /** How many retries of its original trial a trial makes ({@value TrialScheduler#ATTR_RETRIES}; 0 if none). */
    public static int retriesOf(FrozenTrial trial) {
        Object previous = trial.systemAttrs().get(TrialScheduler.ATTR_RETRIES);
        return previous instanceof Number n ? n.intValue() : 0;
    }

    /**
     * Enqueues a retry of a failed trial with its parameters, marked {@value TrialScheduler#ATTR_RETRY_OF} and
     * {@value TrialScheduler#ATTR_RETRIES} (one more than {@code retries}, the failed trial's own).
     */
    public static FrozenTrial retry(TrialLoop loop, FrozenTrial failed, int retries) {
        return loop.retry(failed, Map.of(TrialScheduler.ATTR_RETRY_OF, failed.number(),
                TrialScheduler.ATTR_RETRIES, retries + 1));
    }
}
