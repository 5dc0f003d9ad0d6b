package dev.tuna.web.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogThrottleTest {
    @Test
    void oneLinePassesPerIntervalAndTheNextSaysHowManyWereHeldBack() {
        AtomicLong now = new AtomicLong(5);
        LogThrottle throttle = new LogThrottle(Duration.ofNanos(100), now::get);

        assertThat(throttle.pass()).isZero();
        now.set(50);
        assertThat(throttle.pass()).isEqualTo(-1);
        assertThat(throttle.pass()).isEqualTo(-1);
        now.set(104);
        assertThat(throttle.pass()).isEqualTo(-1);
        now.set(105);
        assertThat(throttle.pass()).isEqualTo(3);
        now.set(1_000);
        assertThat(throttle.pass()).isZero();
    }
}
