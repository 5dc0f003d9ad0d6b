package dev.tuna.core.storage;

import dev.tuna.core.Direction;
import dev.tuna.core.IntDistribution;
import dev.tuna.core.TrialState;
import java.nio.file.Path;
import java.util.Map;

/**
 * A second process for {@link MapDbStorageTest}: opens a MapDB storage and prints {@code OPEN}, then either holds
 * the file ({@code hold}), or finishes trials one after another, printing {@code FINISHED number i ok} each time
 * {@code finishTrial} has returned ({@code finish}), or starts a trial, gives it parameters and attributes and prints
 * {@code COMMITTED} once the periodic commit has taken them ({@code running}), until it is killed; or starts a
 * trial, prints {@code STARTED number} and ends at once ({@code started}).
 */
public final class MapDbChild {

    static final String STUDY = "durable";
    static final IntDistribution PARAM = new IntDistribution(0, 1_000_000);

    private MapDbChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        String mode = args[0];
        MapDbStorage storage = MapDbStorage.open(Path.of(args[1]));
        if (!mode.equals("hold")) {
            storage.createStudy(STUDY, Direction.MINIMIZE);
        }
        System.out.println("OPEN");
        System.out.flush();
        if (mode.equals("hold")) {
            Thread.sleep(Long.MAX_VALUE);
        }
        if (mode.equals("started")) {
            // Ended at once, as a kill -9 right after the start would end it: no hook, no periodic commit.
            System.out.println("STARTED " + storage.startTrial(STUDY).number());
            System.out.flush();
            Runtime.getRuntime().halt(9);
        }
        if (mode.equals("running")) {
            int n = storage.startTrial(STUDY).number();
            storage.setParam(STUDY, n, "i", PARAM, 7);
            storage.setParam(STUDY, n, "j", PARAM, 8);
            storage.setUserAttr(STUDY, n, "note", "kept");
            storage.setSystemAttr(STUDY, n, "device", "cpu");
            while (storage.waitingForCommit()) { // until the periodic commit has run
                Thread.sleep(10);
            }
            System.out.println("COMMITTED");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
        for (int i = 0; ; i++) {
            int n = storage.startTrial(STUDY).number();
            storage.setParam(STUDY, n, "i", PARAM, i);
            storage.report(STUDY, n, 1, i / 2.0, Map.of("loss", 1.0 / (i + 1)));
            storage.finishTrial(STUDY, n, TrialState.COMPLETE, i * 0.5, null);
            System.out.println("FINISHED " + n + " " + i + " ok");
            System.out.flush();
        }
    }
}
