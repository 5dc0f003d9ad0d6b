package dev.tuna.worker.cluster;

import dev.tuna.search.Objective;
import dev.tuna.search.sampler.RandomSampler;
import dev.tuna.worker.device.Devices;
import java.time.Duration;

/**
 * A worker process of {@link ClusterRecoveryTest}: joins the cluster with CPU slots and runs trials of any study
 * on the database, with an objective that takes {@value #TRIAL_MILLIS} ms. Prints "ready" once it has joined,
 * and lives until it is killed or its standard input closes.
 *
 * <p>Arguments: jdbcUrl nodeName slots checkinMillis staleAfterMillis
 */
public final class ClusterWorkerMain {
    static final long TRIAL_MILLIS = 400;

    private ClusterWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String name = args[1];
        int slots = Integer.parseInt(args[2]);
        Duration checkin = Duration.ofMillis(Long.parseLong(args[3]));
        Duration staleAfter = Duration.ofMillis(Long.parseLong(args[4]));
        Objective objective = trial -> {
            double x = trial.suggestFloat("x", -5, 5);
            Thread.sleep(TRIAL_MILLIS);
            return x * x;
        };
        try (TestStudies studies = new TestStudies(url, staleAfter, () -> new RandomSampler(11), objective);
             ClusterNode node = ClusterNode.builder(url, "postgres", null).optNodeName(name).optDevices(Devices.cpu(slots))
                     .optStudies(studies).optCheckinInterval(checkin).optShutdownGrace(Duration.ofSeconds(2)).build()) {
            System.out.println("ready " + node.nodeName());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the parent to close our input (or to kill us)
            }
        }
    }
}
