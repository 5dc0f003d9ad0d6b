package dev.tuna.worker.device;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a trial runs: {@code cpu}, or a GPU {@code gpu:0}, {@code gpu:1}, ... (its id, as trials record it in
 * their system attribute {@value #ATTR_DEVICE}).
 *
 * <p>The worker does not depend on DJL here; DJL code turns a device into DJL's with
 * {@code ai.djl.Device.fromName(device.djlName())} ({@code "cpu"} or {@code "gpu0"}), or
 * {@code device.isGpu() ? ai.djl.Device.gpu(device.gpuIndex()) : ai.djl.Device.cpu()}.
 *
 * @param id {@code cpu} or {@code gpu:N}
 */
public record Device(String id) {
    /** System attribute of a trial: the id of the device it ran on. */
    public static final String ATTR_DEVICE = "device";

    private static final Pattern GPU = Pattern.compile("gpu:(0|[1-9][0-9]{0,3})");

    /** The CPU. */
    public static final Device CPU = new Device("cpu");

    public Device {
        if (id == null || !(id.equals("cpu") || GPU.matcher(id).matches())) {
            throw new IllegalArgumentException("device: expected 'cpu' or 'gpu:N', got '" + id + "'");
        }
    }

    /** The device of this id ({@code cpu} or {@code gpu:N}). */
    public static Device of(String id) {
        return new Device(id);
    }

    /** The CPU. */
    public static Device cpu() {
        return CPU;
    }

    /** The GPU of this index, from 0. */
    public static Device gpu(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("gpu index must not be negative, got " + index);
        }
        return new Device("gpu:" + index);
    }

    /** Whether this is a GPU. */
    public boolean isGpu() {
        return id.startsWith("gpu:");
    }

    /** The GPU's index, or -1 for the CPU. */
    public int gpuIndex() {
        Matcher m = GPU.matcher(id);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** The name DJL's {@code ai.djl.Device.fromName} parses: {@code cpu} or {@code gpu0}. */
    public String djlName() {
        return isGpu() ? "gpu" + gpuIndex() : "cpu";
    }

    @Override
    public String toString() {
        return id;
    }
}
