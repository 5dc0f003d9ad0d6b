package dev.tuna.web.server;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Lets one log line of a kind through per interval and counts the ones held back meanwhile: through a database
 * outage every dashboard's polls fail, and a line for each said the same thing hundreds of times.
 */
final class LogThrottle {
    private final long intervalNanos;
    private final LongSupplier clock;
    private boolean passedOnce;
    private long lastPassed;
    private int heldBack;

    LogThrottle(Duration interval) {
        this(interval, System::nanoTime);
    }

    LogThrottle(Duration interval, LongSupplier nanoClock) {
        this.intervalNanos = interval.toNanos();
        this.clock = nanoClock;
    }

    /** -1 when this line should be held back; else how many were held back since the last line let through. */
    synchronized int pass() {
        long now = clock.getAsLong();
        if (passedOnce && now - lastPassed < intervalNanos) {
            heldBack++;
            return -1;
        }
        passedOnce = true;
        lastPassed = now;
        int held = heldBack;
        heldBack = 0;
        return held;
    }
}
