package dev.tuna.worker.device;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The devices of a machine and how many trials each runs at once (its slots). GPUs come first, in index order,
 * so that trials go to a GPU while one has a free slot. An immutable value: equal devices share their slots in a
 * {@code TrialScheduler}.
 */
public final class Devices {
    private static final Logger LOG = LoggerFactory.getLogger(Devices.class);

    private final Map<Device, Integer> slots;

    private Devices(Map<Device, Integer> slots) {
        int total = 0;
        for (Map.Entry<Device, Integer> e : slots.entrySet()) {
            if (e.getValue() < 0) {
                throw new IllegalArgumentException("slots of " + e.getKey() + " must not be negative, got " + e.getValue());
            }
            total += e.getValue();
        }
        if (total == 0) {
            throw new IllegalArgumentException("devices: at least one slot is needed, got none");
        }
        Map<Device, Integer> ordered = new LinkedHashMap<>();
        slots.keySet().stream().filter(Device::isGpu)
                .sorted((a, b) -> Integer.compare(a.gpuIndex(), b.gpuIndex()))
                .forEach(d -> ordered.put(d, slots.get(d)));
        if (slots.containsKey(Device.CPU)) {
            ordered.put(Device.CPU, slots.get(Device.CPU));
        }
        ordered.values().removeIf(n -> n == 0);
        this.slots = Collections.unmodifiableMap(ordered);
    }

    /** The CPU alone, with this many slots. */
    public static Devices cpu(int cpuSlots) {
        return of(Map.of(Device.CPU, cpuSlots));
    }

    /** The CPU with {@code cpuSlots} slots and GPUs 0 .. gpuCount-1 with one slot each. */
    public static Devices discover(int cpuSlots, int gpuCount) {
        if (cpuSlots < 0) {
            throw new IllegalArgumentException("cpuSlots must not be negative, got " + cpuSlots);
        }
        if (gpuCount < 0) {
            throw new IllegalArgumentException("gpuCount must not be negative, got " + gpuCount);
        }
        Map<Device, Integer> slots = new LinkedHashMap<>();
        for (int i = 0; i < gpuCount; i++) {
            slots.put(Device.gpu(i), 1);
        }
        slots.put(Device.CPU, cpuSlots);
        return new Devices(slots);
    }

    /** The CPU with {@code cpuSlots} slots and the GPUs the installed probe counts ({@link GpuProbe#installed()}). */
    public static Devices discover(int cpuSlots) {
        return discover(cpuSlots, GpuProbe.installed());
    }

    /** The CPU with {@code cpuSlots} slots and the GPUs the probe counts, one slot each. */
    public static Devices discover(int cpuSlots, GpuProbe probe) {
        int gpus = probe.gpuCount();
        Devices devices = discover(cpuSlots, gpus);
        LOG.info("devices: {}", devices);
        return devices;
    }

    /** Devices with the given slots each (e.g. two trials per GPU). */
    public static Devices of(Map<Device, Integer> slots) {
        return new Devices(new LinkedHashMap<>(slots));
    }

    /** The devices with at least one slot, GPUs first. */
    public List<Device> devices() {
        return new ArrayList<>(slots.keySet());
    }

    /** The slots of a device; 0 if it is not one of these. */
    public int slots(Device device) {
        return slots.getOrDefault(device, 0);
    }

    /** All slots together: how many trials run at once at most. */
    public int totalSlots() {
        return slots.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** How many GPUs there are. */
    public int gpuCount() {
        return (int) slots.keySet().stream().filter(Device::isGpu).count();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Devices other && slots.equals(other.slots);
    }

    @Override
    public int hashCode() {
        return slots.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        slots.forEach((d, n) -> s.append(s.length() == 0 ? "" : ", ").append(d).append(" x").append(n));
        return s.toString();
    }
}
