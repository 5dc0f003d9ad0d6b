package dev.tuna.worker.device;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The free slots of some {@link Devices}: a trial takes a slot before it starts and gives it back when it ends,
 * so that no device ever runs more trials than it has slots. The first device with a free slot is taken (GPUs
 * come first). Thread-safe.
 */
public final class SlotPool {
    /** How often a waiting {@link #acquire} looks again whether it was cancelled. */
    private static final long POLL_MILLIS = 50;

    private final Devices devices;
    private final Map<Device, Integer> inUse = new LinkedHashMap<>(); // guarded by lock
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();

    public SlotPool(Devices devices) {
        this.devices = devices;
        devices.devices().forEach(d -> inUse.put(d, 0));
    }

    /** The devices whose slots this pool hands out. */
    public Devices devices() {
        return devices;
    }

    /** Takes a free slot if there is one, without waiting. */
    public Optional<Slot> tryAcquire() {
        return tryAcquire(d -> true);
    }

    /** Takes a free slot of one of the allowed devices if there is one, without waiting. */
    public Optional<Slot> tryAcquire(Predicate<Device> allowed) {
        lock.lock();
        try {
            for (Map.Entry<Device, Integer> e : inUse.entrySet()) {
                if (allowed.test(e.getKey()) && e.getValue() < devices.slots(e.getKey())) {
                    e.setValue(e.getValue() + 1);
                    return Optional.of(new Slot(e.getKey()));
                }
            }
            return Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes a free slot, waiting while every device is full; returns empty once {@code cancelled} says true
     * (it is asked at least every 50 ms and after every {@link #wakeUp()}).
     */
    public Optional<Slot> acquire(BooleanSupplier cancelled) throws InterruptedException {
        return acquire(d -> true, cancelled);
    }

    /** Like {@link #acquire(BooleanSupplier)}, taking only a slot of one of the allowed devices. */
    public Optional<Slot> acquire(Predicate<Device> allowed, BooleanSupplier cancelled) throws InterruptedException {
        lock.lock();
        try {
            while (!cancelled.getAsBoolean()) {
                Optional<Slot> slot = tryAcquire(allowed);
                if (slot.isPresent()) {
                    return slot;
                }
                freed.await(POLL_MILLIS, TimeUnit.MILLISECONDS);
            }
            return Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes the callers waiting in {@link #acquire}, so that they look whether they were cancelled. */
    public void wakeUp() {
        lock.lock();
        try {
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** How many slots of a device are taken now. */
    public int inUse(Device device) {
        lock.lock();
        try {
            return inUse.getOrDefault(device, 0);
        } finally {
            lock.unlock();
        }
    }

    /** How many slots are free now, over all devices. */
    public int free() {
        lock.lock();
        try {
            return devices.totalSlots() - inUse.values().stream().mapToInt(Integer::intValue).sum();
        } finally {
            lock.unlock();
        }
    }

    /** One taken slot of a device; {@link #release()} gives it back (once: releasing again does nothing). */
    public final class Slot implements AutoCloseable {
        private final Device device;
        private final AtomicBoolean released = new AtomicBoolean();

        private Slot(Device device) {
            this.device = device;
        }

        /** The device this slot belongs to. */
        public Device device() {
            return device;
        }

        /** Gives the slot back. */
        public void release() {
            if (released.compareAndSet(false, true)) {
                lock.lock();
                try {
                    inUse.merge(device, -1, Integer::sum);
                    freed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }

        @Override
        public void close() {
            release();
        }

        @Override
        public String toString() {
            return "slot on " + device;
        }
    }
}
