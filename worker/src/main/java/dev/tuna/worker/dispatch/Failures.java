package dev.tuna.worker.dispatch;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Tells infrastructure failures (worth a retry) from the objective's own errors (never retried). */
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
     * Whether a failure is the infrastructure's: an {@link InfrastructureException}, or an exception whose
     * message says a device ran out of memory, anywhere in the cause chain. A Java {@link OutOfMemoryError} is
     * not: the JVM itself is then in trouble, and the run stops.
     */
    public static boolean isInfrastructure(Throwable error) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable e = error; e != null && seen.put(e, Boolean.TRUE) == null; e = e.getCause()) {
            if (e instanceof OutOfMemoryError) {
                return false;
            }
            if (e instanceof InfrastructureException) {
                return true;
            }
            if (e.getMessage() != null && DEVICE_OOM.matcher(e.getMessage()).find()) {
                return true;
            }
        }
        return false;
    }

    /** The reason of a trial aborted by its timeout: "timeout after Ns" (fractional seconds if need be). */
    public static String timeoutReason(Duration timeout) {
        String seconds = timeout.toMillis() % 1000 == 0 ? String.valueOf(timeout.toSeconds())
                : String.valueOf(timeout.toMillis() / 1000.0);
        return "timeout after " + seconds + "s";
    }
}
