package dev.tuna.core.storage;

/** Runs the storage contract against {@link InMemoryStorage}. */
class InMemoryStorageTest extends StorageContractTest {

    @Override
    protected Storage newStorage() {
        return new InMemoryStorage();
    }
}
