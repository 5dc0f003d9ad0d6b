package dev.tuna.core.storage;

import java.time.Instant;

/** Runs the storage contract through a {@link StudyBoundStorage} bound to a study the tests never use: all of it passes through. */
class StudyBoundStorageContractTest extends StorageContractTest {

    @Override
    protected Storage newStorage() {
        return new StudyBoundStorage(new InMemoryStorage(), "a study the contract does not use", Instant.EPOCH);
    }
}
