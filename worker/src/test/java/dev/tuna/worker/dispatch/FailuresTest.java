package dev.tuna.worker.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class FailuresTest {

    @Test
    void infrastructureExceptionsAnywhereInTheCauseChainAreInfrastructure() {
        assertThat(Failures.isInfrastructure(new InfrastructureException(InfrastructureException.WORKER_LOST))).isTrue();
        assertThat(Failures.isInfrastructure(new RuntimeException("wrapped", new InfrastructureException("node gone")))).isTrue();
    }

    @Test
    void deviceOutOfMemoryMessagesAreInfrastructure() {
        assertThat(Failures.isInfrastructure(new RuntimeException(
                "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total capacity)"))).isTrue();
        assertThat(Failures.isInfrastructure(new RuntimeException("CUDA error: out of memory"))).isTrue();
        assertThat(Failures.isInfrastructure(new RuntimeException("CUBLAS_STATUS_ALLOC_FAILED when calling cublasCreate"))).isTrue();
        assertThat(Failures.isInfrastructure(new RuntimeException(
                "engine failed", new RuntimeException("[enforce fail at alloc_cpu.cpp:73] DefaultCPUAllocator: can't allocate memory")))).isTrue();
        assertThat(Failures.isInfrastructure(new IllegalStateException("std::bad_alloc"))).isTrue();
    }

    @Test
    void aStorageOutOfReachIsInfrastructureAndOtherStorageErrorsAreNot() {
        assertThat(Failures.isInfrastructure(new RuntimeException("wrapped", new dev.tuna.core.storage.StorageUnavailableException(
                "database error: tuna-postgres - Connection is not available, request timed out after 10000ms", null)))).isTrue();
        assertThat(Failures.isInfrastructure(new dev.tuna.core.storage.StudyExistsException("nested"))).isFalse();
        assertThat(Failures.isInfrastructure(new dev.tuna.core.storage.StorageException("cannot encode x"))).isFalse();
        assertThat(Failures.isInfrastructure(new dev.tuna.core.storage.StudyNotFoundException("gone"))).isFalse();
        assertThat(Failures.isInfrastructure(new dev.tuna.core.storage.TrialNotFoundException("gone", 3))).isFalse();
    }

    @Test
    void ordinaryErrorsAndJavaHeapExhaustionAreNot() {
        assertThat(Failures.isInfrastructure(new IllegalArgumentException("units must be positive"))).isFalse();
        assertThat(Failures.isInfrastructure(new IOException((String) null))).isFalse();
        assertThat(Failures.isInfrastructure(new OutOfMemoryError("Java heap space"))).isFalse();
        assertThat(Failures.isInfrastructure(new RuntimeException("x", new OutOfMemoryError("out of memory")))).isFalse();
    }
}
