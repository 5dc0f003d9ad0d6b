/**
 * Devices and slots: where trials run ({@code cpu}, {@code gpu:N}), how many at once on each
 * ({@link dev.tuna.worker.device.Devices}, {@link dev.tuna.worker.device.SlotPool}), and the objective that is
 * told its device ({@link dev.tuna.worker.device.DeviceObjective}). Free of DJL: the DJL code plugs in its GPU
 * count through {@link dev.tuna.worker.device.GpuProbe} and maps ids with {@code ai.djl.Device.fromName(djlName())}.
 */
package dev.tuna.worker.device;
