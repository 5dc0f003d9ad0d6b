package dev.tuna.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.Direction;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Runs the durable storage contract against {@link MapDbStorage}, and checks what only a file storage can do. */
class MapDbStorageTest extends DurableStorageContractTest {

    private static final Pattern FINISHED = Pattern.compile("FINISHED (\\d+) (\\d+) ok");

    @TempDir
    Path dir;

    @Override
    protected Storage newStorage() {
        return MapDbStorage.open(dir.resolve("tuna.db"));
    }

    @Override
    protected Storage reopen(Storage closed) {
        return MapDbStorage.open(((MapDbStorage) closed).path());
    }

    @Test
    void openedReadOnlyADamagedFileShowsWhatIsLeftAndSaysWhatIsNot() throws Exception {
        Path file = dir.resolve("salvage.db");
        try (MapDbStorage storage = MapDbStorage.open(file)) {
            for (String study : List.of("hit", "intact")) {
                storage.createStudy(study, Direction.MINIMIZE);
                for (int i = 0; i < 2; i++) {
                    int n = storage.startTrial(study).number();
                    storage.report(study, n, 1, 2.0 + i, Map.of());
                    storage.finishTrial(study, n, TrialState.COMPLETE, 1.0 + i, null);
                }
            }
        }
        // Trial 0 of "hit" is no longer JSON, a step of its trial 1 has a key that reads as no number, a record whose key
        // is damaged too stands beside them, and trial 1 of "intact" says it is trial 3.
        JournaledMapDb db = JournaledMapDb.open(file, List.of("studies", "trials", "steps"));
        db.put("trials", "hit\u0000" + String.format("%010d", 0), "x{".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        db.put("trials", "hit\u0000000000000x", "x{".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        db.put("steps", "hit\u00000j1\u00001", "{\"value\": 1.0}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String second = "intact\u0000" + String.format("%010d", 1);
        db.put("trials", second, new String(db.map("trials").get(second), java.nio.charset.StandardCharsets.UTF_8)
                .replace("\"number\":1", "\"number\":3").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        db.commit();
        db.close();
        byte[] before = Files.readAllBytes(file);
        assertThatThrownBy(() -> MapDbStorage.open(file)).hasMessageContaining("a record in it cannot be read");
        try (MapDbStorage readOnly = MapDbStorage.openReadOnly(file)) {
            List<FrozenTrial> hit = readOnly.trials("hit");
            assertThat(hit.get(0).state()).isEqualTo(TrialState.FAIL);
            assertThat(hit.get(0).reason()).startsWith("damaged: its record in the data file cannot be read (");
            assertThat(hit.get(1).value()).isEqualTo(2.0);
            assertThat(hit.get(1).intermediateValues()).containsExactly(Map.entry(1, 3.0));
            assertThat(readOnly.trials("intact").get(0).value()).isEqualTo(1.0);
            assertThat(readOnly.trials("intact").get(1).reason()).startsWith("damaged: ").contains("says trial 3");
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }

    @Test
    void aRecordThatIsNotWhatTunaWroteIsCalledDamagedAndTheFileIsLeftAsItIs() throws Exception {
        Path file = dir.resolve("flipped.db");
        try (MapDbStorage storage = MapDbStorage.open(file)) {
            storage.createStudy("q1", Direction.MINIMIZE);
            storage.finishTrial("q1", storage.startTrial("q1").number(), TrialState.COMPLETE, 1.0, null);
        }
        // As a flipped byte leaves them: a step whose key reads as no number, then a trial that is not JSON.
        String[][] damage = {{"steps", "q1\u00000j0\u00001", "{\"value\": 1.0}"}, {"trials", "q1\u00009", "x{"}};
        for (String[] d : damage) {
            JournaledMapDb db = JournaledMapDb.open(file, List.of("studies", "trials", "steps"));
            db.put(d[0], d[1], d[2].getBytes(java.nio.charset.StandardCharsets.UTF_8));
            db.commit();
            db.close();
            byte[] before = Files.readAllBytes(file);
            assertThatThrownBy(() -> MapDbStorage.open(file)).isInstanceOf(StorageException.class)
                    .hasMessageStartingWith("cannot open " + file + ": a record in it cannot be read, it is damaged or"
                            + " its disk failed (")
                    .hasMessageEndingWith("); nothing was changed: restore it from a backup, or move it away to start an"
                            + " empty store");
            assertThat(Files.readAllBytes(file)).isEqualTo(before);
            db = JournaledMapDb.open(file, List.of("studies", "trials", "steps"));
            db.remove(d[0], d[1]);
            db.commit();
            db.close();
        }
        try (MapDbStorage mended = MapDbStorage.open(file)) {
            assertThat(mended.trials("q1")).hasSize(1);
        }
    }

    @Test
    @Timeout(60)
    void aFileOpenInAnotherProcessGivesAOneLineError() throws Exception {
        Path file = dir.resolve("held.db");
        Path log = dir.resolve("held.log");
        Process child = startChild("hold", file, log);
        try {
            BufferedReader out = stdout(child);
            assertThat(out.readLine()).as(childLog(log)).isEqualTo("OPEN");

            assertThatThrownBy(() -> MapDbStorage.open(file))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("already open")
                    .extracting(Throwable::getMessage).asString().doesNotContain("\n");
            // To read only, too: the writer's lock keeps readers out.
            assertThatThrownBy(() -> MapDbStorage.openReadOnly(file)).isInstanceOf(StorageInUseException.class)
                    .hasMessage("cannot open " + file + ": it is already open in another process");
        } finally {
            child.destroyForcibly().waitFor();
        }
        // Once the other process is gone, the file opens.
        try (MapDbStorage reopened = MapDbStorage.open(file)) {
            assertThat(reopened.studies()).isEmpty();
        }
    }

    @Test
    @Timeout(60)
    void aFinishedTrialIsDurableWhenFinishTrialReturns() throws Exception {
        Path file = dir.resolve("killed.db");
        Path log = dir.resolve("killed.log");
        Map<Integer, Integer> printed = new LinkedHashMap<>();
        Process child = startChild("finish", file, log);
        try {
            BufferedReader out = stdout(child);
            assertThat(out.readLine()).as(childLog(log)).isEqualTo("OPEN");
            while (printed.size() < 20) {
                String line = out.readLine();
                assertThat(line).as(childLog(log)).isNotNull();
                record(line, printed);
            }
        } finally {
            // SIGKILL, at some point of the next trial: no shutdown hook, no close, no last commit.
            child.destroyForcibly().waitFor();
        }

        try (MapDbStorage reopened = MapDbStorage.open(file)) {
            List<FrozenTrial> trials = reopened.trials(MapDbChild.STUDY);
            assertThat(trials.size()).isGreaterThanOrEqualTo(printed.size());
            printed.forEach((number, i) -> {
                FrozenTrial t = trials.get(number);
                assertThat(t.state()).as("trial %d", number).isEqualTo(TrialState.COMPLETE);
                assertThat(t.value()).isEqualTo(i * 0.5);
                assertThat(t.params()).isEqualTo(Map.of("i", i));
                assertThat(t.distributions()).isEqualTo(Map.of("i", MapDbChild.PARAM));
                assertThat(t.intermediateValues()).isEqualTo(Map.of(1, i / 2.0));
                assertThat(t.metric("loss")).isEqualTo(Map.of(1, 1.0 / (i + 1)));
            });
            // Trials after the last printed one had finished but not been printed yet, or were cut short.
            for (FrozenTrial t : trials.subList(printed.size(), trials.size())) {
                assertThat(t.state() == TrialState.COMPLETE || t.wasInterrupted()).as("trial %s", t).isTrue();
            }
            assertThat(reopened.trials(MapDbChild.STUDY, java.util.Set.of(TrialState.RUNNING))).isEmpty();
        }
    }

    @Test
    @Timeout(60)
    void aRunningTrialsParametersAndAttributesReachTheFileWithThePeriodicCommit() throws Exception {
        Path file = dir.resolve("running.db");
        Path log = dir.resolve("running.log");
        Process child = startChild("running", file, log);
        try {
            BufferedReader out = stdout(child);
            assertThat(out.readLine()).as(childLog(log)).isEqualTo("OPEN");
            // Without the records in the periodic commit, the child waits for ever (and the test times out).
            assertThat(out.readLine()).as(childLog(log)).isEqualTo("COMMITTED");
            Thread.sleep(5000); // the trial runs on, writing nothing
        } finally {
            child.destroyForcibly().waitFor();
        }
        java.time.Instant killed = java.time.Instant.now();
        Thread.sleep(3000);

        try (MapDbStorage reopened = MapDbStorage.open(file)) {
            FrozenTrial t = reopened.trial(MapDbChild.STUDY, 0);
            assertThat(t.wasInterrupted()).isTrue();
            // It ended when the process was last marked alive (every 2 s), not when it last wrote, nor at this open.
            assertThat(t.end()).isBefore(killed);
            assertThat(t.duration()).isGreaterThan(java.time.Duration.ofMillis(2500));
            assertThat(t.params()).isEqualTo(Map.of("i", 7, "j", 8));
            assertThat(t.userAttrs()).isEqualTo(Map.of("note", "kept"));
            assertThat(t.systemAttrs()).containsEntry("device", "cpu");
        }
    }

    @Test
    void aCopyTakenWhileAProcessWroteIsReadAsItIsAndLeftUnchanged() throws Exception {
        Path file = dir.resolve("live.db");
        Path copy = dir.resolve("backup").resolve("live.db");
        Files.createDirectories(copy.getParent());
        try (MapDbStorage live = MapDbStorage.open(file)) {
            live.createStudy("s", Direction.MINIMIZE);
            int done = live.startTrial("s").number();
            live.setParam("s", done, "x", new dev.tuna.core.FloatDistribution(0, 1), 0.25);
            live.finishTrial("s", done, TrialState.COMPLETE, 1.5, null);
            live.startTrial("s"); // running when the copy is taken: its start is in the journal
            // The snapshot and the journal of an open store, as a backup of a running server holds them.
            Files.copy(file, copy);
            Files.copy(file.resolveSibling("live.db.journal"), copy.resolveSibling("live.db.journal"));
        }
        Map<Path, String> before = contents(copy.getParent());

        try (MapDbStorage read = MapDbStorage.openReadOnly(copy)) {
            assertThat(read.trial("s", 0).params()).isEqualTo(Map.of("x", 0.25));
            assertThat(read.trial("s", 0).value()).isEqualTo(1.5);
            // Shown as an open to write would mark it, but not written.
            assertThat(read.trial("s", 1).wasInterrupted()).isTrue();
            assertThatThrownBy(() -> read.startTrial("s")).isInstanceOf(StorageException.class)
                    .hasMessage(copy + " is open read-only: it cannot be changed");
            assertThatThrownBy(() -> read.setStudyAttr("s", "k", 1)).hasMessageContaining("is open read-only");
            assertThat(read.trials("s")).hasSize(2);
        }
        Map<Path, String> after = contents(copy.getParent());
        assertThat(after).isEqualTo(before);
        // A snapshot without a journal (the closed store's, which holds everything) is read too, and none is made.
        Path alone = dir.resolve("alone.db");
        Files.copy(file, alone);
        try (MapDbStorage read = MapDbStorage.openReadOnly(alone)) {
            assertThat(read.trials("s")).extracting(FrozenTrial::state).containsExactly(TrialState.COMPLETE, TrialState.FAIL);
        }
        assertThat(dir.resolve("alone.db.journal")).doesNotExist();
        assertThatThrownBy(() -> MapDbStorage.openReadOnly(dir.resolve("none.db")))
                .hasMessage("cannot open " + dir.resolve("none.db") + ": no such file");
    }

    /** Each file of a folder by name, with a digest of its bytes. */
    private static Map<Path, String> contents(Path folder) throws Exception {
        Map<Path, String> all = new java.util.TreeMap<>();
        try (var files = Files.list(folder)) {
            for (Path f : files.toList()) {
                all.put(f, java.util.HexFormat.of().formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
            }
        }
        return all;
    }

    @Test
    @Timeout(60)
    void aTrialStartedJustBeforeTheProcessDiesKeepsItsNumber() throws Exception {
        Path file = dir.resolve("started.db");
        Path log = dir.resolve("started.log");
        Process child = startChild("started", file, log);
        BufferedReader out = stdout(child);
        assertThat(out.readLine()).as(childLog(log)).isEqualTo("OPEN");
        assertThat(out.readLine()).as(childLog(log)).isEqualTo("STARTED 0");
        child.waitFor();

        // It was shown running: it ends interrupted, and the next trial takes the next number (it took 0 again).
        // It ended when its process last wrote, not when the file is opened again (here 2 s later; days, at times).
        Thread.sleep(2000);
        try (MapDbStorage reopened = MapDbStorage.open(file)) {
            FrozenTrial interrupted = reopened.trial(MapDbChild.STUDY, 0);
            assertThat(interrupted.wasInterrupted()).isTrue();
            assertThat(interrupted.duration()).isBetween(java.time.Duration.ZERO, java.time.Duration.ofSeconds(1));
            assertThat(reopened.startTrial(MapDbChild.STUDY).number()).isEqualTo(1);
        }
    }

    @Test
    @Timeout(60)
    void aFileOpenInThisProcessCannotBeOpenedAgainAndStaysLockedAgainstOthers() throws Exception {
        Path file = ((MapDbStorage) storage).path();

        assertThatThrownBy(() -> MapDbStorage.open(file))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(file.toString())
                .extracting(Throwable::getMessage).asString().doesNotContain("\n");
        storage.createStudy("still usable", Direction.MINIMIZE);
        assertThat(storage.findStudy("still usable")).isPresent();
        // The second open's channel, closed, released this process's lock, and another process opened the file too.
        assertRefusedToAnotherProcess(file, dir.resolve("second.log"));
    }

    @Test
    @Timeout(60)
    void theFileStaysLockedAgainstOthersWhileItIsMarkedAlive() throws Exception {
        Path file = dir.resolve("alive.db");
        Path journal = Path.of(file + ".journal");
        try (MapDbStorage open = MapDbStorage.open(file)) {
            open.createStudy("s", Direction.MINIMIZE);
            java.nio.file.attribute.FileTime written = Files.getLastModifiedTime(journal);
            long size = Files.size(journal); // not its bytes: reading it here would release the lock too
            Thread.sleep(2600); // past a mark (every 2 s), with nothing written since
            assertThat(Files.getLastModifiedTime(journal)).isGreaterThan(written);
            assertThat(Files.size(journal)).isEqualTo(size);
            // The mark once set the file's time by its name, and that open's close released this process's lock: a
            // second process (a server, a run) then opened the file too, and each overwrote the other's trials.
            assertRefusedToAnotherProcess(file, dir.resolve("alive.log"));
        }
    }

    @Test
    @Timeout(60)
    void aJournalDamagedInTheMiddleIsCopiedAsideAndTheFileStaysLocked() throws Exception {
        Path file = dir.resolve("copied.db");
        Path journal = Path.of(file + ".journal");
        JournaledMapDb killed = JournaledMapDb.open(file, List.of("a"));
        for (int i = 0; i < 3; i++) {
            killed.put("a", "k" + i, new byte[] {(byte) i});
            killed.commit();
        }
        killed.abandon();
        byte[] damaged = Files.readAllBytes(journal);
        damaged[damaged.length / 2] ^= 0x40;
        Files.write(journal, damaged);

        try (JournaledMapDb reopened = JournaledMapDb.open(file, List.of("a"))) {
            try (var kept = Files.list(dir)) {
                Path copy = kept.filter(p -> p.getFileName().toString().startsWith("copied.db.journal.damaged-"))
                        .findFirst().orElseThrow();
                assertThat(Files.readAllBytes(copy)).isEqualTo(damaged);
            }
            // The copy was made by opening the journal by its name, whose close released this process's lock.
            assertRefusedToAnotherProcess(file, dir.resolve("copied.log"));
        }
    }

    @Test
    @Timeout(60)
    void aFileOpenHereIsFoundOpenByAnotherNameForItsFolder() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        try (MapDbStorage open = MapDbStorage.open(real.resolve("tuna.db"))) {
            // Through the link it was another file to this process: its open found the lock this process holds, and
            // closing its second descriptor released that lock.
            assertThatThrownBy(() -> MapDbStorage.open(link.resolve("tuna.db"))).isInstanceOf(StorageException.class)
                    .hasMessageContaining("it is already open in this process");
            assertThatThrownBy(() -> MapDbStorage.openReadOnly(link.resolve("tuna.db")))
                    .isInstanceOf(StorageException.class).hasMessageContaining("it is already open in this process");
            assertRefusedToAnotherProcess(real.resolve("tuna.db"), dir.resolve("link.log"));
        }
        // Closed, it opens again by either name.
        MapDbStorage.open(link.resolve("tuna.db")).close();
        MapDbStorage.open(real.resolve("tuna.db")).close();
    }

    @Test
    void aFolderMadeForTheFileIsItsOwnersOnlyAndOneThereIsLeftAsItIs() throws Exception {
        // Made with the usual umask, it let every user of a shared machine read the studies.
        try (MapDbStorage made = MapDbStorage.open(dir.resolve("new/data/tuna.db"))) {
            made.createStudy("private", Direction.MINIMIZE);
        }
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("new/data"))))
                .isEqualTo("rwx------");
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        MapDbStorage.open(shared.resolve("tuna.db")).close();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(shared)))
                .isEqualTo("rwxr-xr-x");
    }

    @Test
    void aSymbolicLinkToTheFileOpensTheFileItself() throws Exception {
        Path real = dir.resolve("real.db");
        MapDbStorage.open(real).close(); // the link may also be made first: it then names the file to make
        Path link = Files.createSymbolicLink(dir.resolve("link.db"), real.getFileName());
        try (MapDbStorage open = MapDbStorage.open(link)) {
            open.createStudy("through the link", Direction.MINIMIZE);
            assertThatThrownBy(() -> MapDbStorage.open(real)).isInstanceOf(StorageException.class)
                    .hasMessageContaining("it is already open in this process");
        }
        // Its journal and snapshot went beside the file, and the snapshot's rename replaced the file, not the link.
        assertThat(dir.resolve("link.db.journal")).doesNotExist();
        assertThat(Files.isSymbolicLink(link)).isTrue();
        try (MapDbStorage reopened = MapDbStorage.openReadOnly(real)) {
            assertThat(reopened.findStudy("through the link")).isPresent();
        }
        // A link to a file not made yet, in a folder reached through a link: its "..", as the system reads it, goes up
        // from where the folder's link leads, not from the link's own folder.
        Path away = Files.createDirectories(dir.resolve("a/real"));
        Files.createDirectories(dir.resolve("a/shared"));
        Path data = Files.createSymbolicLink(dir.resolve("data"), away);
        Files.createSymbolicLink(away.resolve("tuna.db"), Path.of("../shared/tuna.db"));
        try (MapDbStorage open = MapDbStorage.open(data.resolve("tuna.db"))) {
            open.createStudy("made through two links", Direction.MINIMIZE);
        }
        assertThat(dir.resolve("a/shared/tuna.db")).exists();
        assertThat(dir.resolve("shared")).doesNotExist();
    }

    @Test
    @Timeout(60)
    void aJournalOpenHereUnderAnotherNameIsRefusedAndStaysLocked() throws Exception {
        Path file = dir.resolve("linked.db");
        try (MapDbStorage open = MapDbStorage.open(file)) {
            // A hard link: no path tells the two names apart, only the JVM's own lock does.
            Files.createLink(dir.resolve("other.db.journal"), Path.of(file + ".journal"));
            assertThatThrownBy(() -> MapDbStorage.open(dir.resolve("other.db"))).isInstanceOf(StorageException.class)
                    .hasMessageContaining("it is already open in this process");
            // That open's descriptor, closed, would have released this process's lock.
            assertRefusedToAnotherProcess(file, dir.resolve("hard.log"));
        }
    }

    /** Another process's open of {@code file} fails: it is open here. */
    private static void assertRefusedToAnotherProcess(Path file, Path log) throws Exception {
        Process child = startChild("hold", file, log);
        try {
            assertThat(child.waitFor(50, java.util.concurrent.TimeUnit.SECONDS)).as(childLog(log)).isTrue();
            assertThat(new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).doesNotContain("OPEN");
            assertThat(Files.readString(log)).contains("already open in another process");
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    @Test
    @Timeout(60)
    void anOpenThatLosesTheLockToAnotherProcessLeavesItsJournalAlone() throws Exception {
        // Both see no journal; the other process makes it and takes its lock between this open's look and its own.
        Path file = dir.resolve("raced.db");
        Path journal = Path.of(file + ".journal");
        Path log = dir.resolve("raced.log");
        Process[] other = new Process[1];
        JournaledMapDb.JournalOpener racing = f -> {
            other[0] = startChild("hold", file, log);
            assertThat(stdout(other[0]).readLine()).as(childLog(log)).isEqualTo("OPEN");
            return new java.io.RandomAccessFile(f, "rw");
        };
        try {
            assertThatThrownBy(() -> MapDbStorage.open(file, racing)).isInstanceOf(StorageInUseException.class);
            // Removed, the other's commits went to a file no one could open again.
            assertThat(journal).exists();
        } finally {
            if (other[0] != null) {
                other[0].destroyForcibly().waitFor();
            }
        }
    }

    private static void record(String line, Map<Integer, Integer> printed) {
        Matcher m = FINISHED.matcher(line);
        // A line cut short by the kill is not a confirmed finish.
        if (m.matches()) {
            printed.put(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }
    }

    @Test
    void aChangeThatCannotBeSavedIsUndoneAndNothingThatACrashWouldLoseIsShown() throws Exception {
        FillingDisk[] disk = new FillingDisk[1];
        Path file = dir.resolve("full.db");
        MapDbStorage storage = MapDbStorage.open(file, f -> disk[0] = new FillingDisk(f));
        storage.createStudy("s", Direction.MINIMIZE);
        storage.setStudyAttr("s", "spec", "kept");
        FrozenTrial running = storage.startTrial("s");
        storage.report("s", running.number(), 0, 1.5, Map.of());
        disk[0].full = true;

        assertThatThrownBy(() -> storage.finishTrial("s", running.number(), TrialState.COMPLETE, 1.0, null))
                .isInstanceOf(StorageException.class).hasMessageContaining("No space left on device");
        assertThat(storage.trial("s", running.number()).state()).isEqualTo(TrialState.RUNNING);
        assertThat(storage.trial("s", running.number()).value()).isNull();
        assertThat(storage.writeFailure()).hasValueSatisfying(m -> assertThat(m).contains("No space left"));
        assertThatThrownBy(() -> storage.enqueueTrial("s", Map.of("x", 1))).isInstanceOf(StorageException.class);
        assertThat(storage.trials("s")).hasSize(1);
        assertThatThrownBy(() -> storage.setStudyAttr("s", "spec", "lost")).isInstanceOf(StorageException.class);
        assertThat(storage.findStudy("s").orElseThrow().attrs()).containsEntry("spec", "kept");
        assertThatThrownBy(() -> storage.createStudy("t", Direction.MINIMIZE)).isInstanceOf(StorageException.class);
        assertThat(storage.findStudy("t")).isEmpty();
        assertThatThrownBy(() -> storage.deleteStudy("s")).isInstanceOf(StorageException.class);
        assertThat(storage.trials("s")).extracting(FrozenTrial::number).containsExactly(running.number());

        disk[0].full = false;
        awaitNoWriteFailure(storage); // the report that waited is written by the next flush
        disk[0].full = true;
        assertThatThrownBy(() -> storage.finishTrial("s", running.number(), TrialState.COMPLETE, 1.0, null))
                .isInstanceOf(StorageException.class);
        // Now nothing waits: only the flush's probe can tell when the disk takes writes again. A few bytes of room
        // are not room: the probe is larger than a commit.
        disk[0].limit = Files.size(file.resolveSibling("full.db.journal")) + 1000;
        disk[0].full = false;
        Thread.sleep(1000);
        assertThat(storage.writeFailure()).isPresent();
        // Nor when a small change waits (a running trial's report), which those bytes take: once it was written,
        // the storage passed for one with room again (the health check said ok while trials could not end).
        storage.report("s", running.number(), 1, 1.25, Map.of());
        Thread.sleep(1000);
        assertThat(storage.writeFailure()).isPresent();
        disk[0].limit = Long.MAX_VALUE;
        awaitNoWriteFailure(storage);
        FrozenTrial done = storage.finishTrial("s", running.number(), TrialState.COMPLETE, 1.0, null);
        assertThat(done.state()).isEqualTo(TrialState.COMPLETE);
        storage.close();
        try (MapDbStorage reopened = MapDbStorage.open(file)) {
            FrozenTrial saved = reopened.trial("s", running.number());
            assertThat(saved.state()).isEqualTo(TrialState.COMPLETE);
            assertThat(saved.intermediateValues()).containsEntry(0, 1.5).containsEntry(1, 1.25); // the reports that waited
            assertThat(reopened.findStudy("s").orElseThrow().attrs()).containsEntry("spec", "kept");
            assertThat(reopened.trials("s")).hasSize(1);
        }
    }

    @Test
    void aFileWithTrialsLeftRunningStillOpensOnAFullDisk() {
        Path file = dir.resolve("left.db");
        try (MapDbStorage storage = MapDbStorage.open(file)) {
            storage.createStudy("s", Direction.MINIMIZE);
            storage.startTrial("s");
        } // as a process that died with the trial running left it
        FillingDisk[] disk = new FillingDisk[1];
        try (MapDbStorage full = MapDbStorage.open(file, f -> {
            disk[0] = new FillingDisk(f);
            disk[0].full = true;
            return disk[0];
        })) {
            assertThat(full.trial("s", 0).state()).isEqualTo(TrialState.RUNNING);
        }
        try (MapDbStorage reopened = MapDbStorage.open(file)) {
            assertThat(reopened.trial("s", 0).state()).isEqualTo(TrialState.FAIL);
            assertThat(reopened.trial("s", 0).reason()).isEqualTo(FrozenTrial.REASON_INTERRUPTED);
        }
    }

    private static void awaitNoWriteFailure(MapDbStorage storage) throws InterruptedException {
        for (int i = 0; i < 250 && storage.writeFailure().isPresent(); i++) {
            Thread.sleep(20);
        }
        assertThat(storage.writeFailure()).isEmpty();
    }

    private static Process startChild(String mode, Path file, Path log) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(java.toString(), "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"),
                MapDbChild.class.getName(), mode, file.toString())
                .redirectError(log.toFile())
                .start();
    }

    private static BufferedReader stdout(Process child) {
        return new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    }

    /** What the child wrote to stderr, to explain a failure. */
    private static Supplier<String> childLog(Path log) {
        return () -> {
            try {
                return "child process stderr:\n" + Files.readString(log);
            } catch (IOException e) {
                return "child process stderr unreadable: " + e;
            }
        };
    }
}
