package dev.tuna.worker.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuna.worker.device.SlotPool.Slot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SlotPoolTest {

    @Test
    void slotsGoToGpusFirstAndNoDeviceGetsMoreThanItHas() {
        SlotPool pool = new SlotPool(Devices.discover(2, 2));
        List<Device> taken = new ArrayList<>();
        for (Optional<Slot> s = pool.tryAcquire(); s.isPresent(); s = pool.tryAcquire()) {
            taken.add(s.get().device());
        }
        assertThat(taken).containsExactly(Device.gpu(0), Device.gpu(1), Device.CPU, Device.CPU);
        assertThat(pool.free()).isZero();
        assertThat(pool.inUse(Device.CPU)).isEqualTo(2);
    }

    @Test
    void onlyAllowedDevicesAreTaken() {
        SlotPool pool = new SlotPool(Devices.discover(1, 1));
        assertThat(pool.tryAcquire(d -> !d.isGpu()).orElseThrow().device()).isEqualTo(Device.CPU);
        assertThat(pool.tryAcquire(d -> !d.isGpu())).isEmpty();
        assertThat(pool.free()).isEqualTo(1);
    }

    @Test
    void aReleasedSlotIsTakenAgainAndReleasingTwiceFreesOnce() {
        SlotPool pool = new SlotPool(Devices.discover(1, 1));
        Slot gpu = pool.tryAcquire().orElseThrow();
        Slot cpu = pool.tryAcquire().orElseThrow();
        assertThat(pool.tryAcquire()).isEmpty();
        gpu.release();
        gpu.release();
        assertThat(pool.free()).isEqualTo(1);
        assertThat(pool.tryAcquire().orElseThrow().device()).isEqualTo(Device.gpu(0));
        assertThat(pool.tryAcquire()).isEmpty();
        cpu.close();
        assertThat(pool.inUse(Device.CPU)).isZero();
    }

    @Test
    void acquireWaitsForAFreedSlot() throws Exception {
        SlotPool pool = new SlotPool(Devices.cpu(1));
        Slot held = pool.tryAcquire().orElseThrow();
        AtomicReference<Optional<Slot>> got = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            try {
                got.set(pool.acquire(() -> false));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            done.countDown();
        });
        waiter.start();
        assertThat(done.getCount()).isEqualTo(1); // cannot have a slot: the only one is held
        held.release();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(got.get()).isPresent();
        assertThat(pool.free()).isZero();
    }

    @Test
    void aCancelledAcquireReturnsEmpty() throws Exception {
        SlotPool pool = new SlotPool(Devices.cpu(1));
        pool.tryAcquire().orElseThrow();
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicReference<Optional<Slot>> got = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                got.set(pool.acquire(cancelled::get));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        cancelled.set(true);
        pool.wakeUp();
        waiter.join(30_000);
        assertThat(waiter.isAlive()).isFalse();
        assertThat(got.get()).isEmpty();
    }
}
