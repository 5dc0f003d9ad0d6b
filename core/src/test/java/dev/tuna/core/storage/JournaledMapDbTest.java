package dev.tuna.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash-safety mechanics of {@link JournaledMapDb}, with the states a killed process can leave on disk made by
 * hand: {@link JournaledMapDb#abandon()} stands for the kill (nothing more is written), and the journal is cut or
 * restored to what it held at some earlier moment.
 */
class JournaledMapDbTest {
    private static final List<String> NAMES = List.of("a", "b");

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("x.db");
    }

    private Path journal() {
        return dir.resolve("x.db.journal");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Commits {@code k1 = v1}, {@code k2 = v2}, ... to map "a" of a new store, one commit each, then leaves it as a
     * killed process would; returns the journal's size after the first commit.
     */
    private long commitEachThenKill(int commits) throws IOException {
        JournaledMapDb db = JournaledMapDb.open(file(), NAMES);
        long afterFirst = 0;
        for (int i = 1; i <= commits; i++) {
            db.put("a", "k" + i, bytes("v" + i));
            db.commit();
            if (i == 1) {
                afterFirst = Files.size(journal());
            }
        }
        db.abandon();
        return afterFirst;
    }

    /** Commits {@code key = value} to map "a" of a new store, then leaves it as a killed process would. */
    private void commitThenKill(String key, String value) {
        JournaledMapDb db = JournaledMapDb.open(file(), NAMES);
        db.put("a", key, bytes(value));
        db.commit();
        db.abandon();
    }

    private static Map<String, String> contents(JournaledMapDb db, String name) {
        Map<String, String> out = new TreeMap<>();
        db.map(name).forEach((k, v) -> out.put(k, new String(v, StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void committedChangesSurviveAKill() {
        JournaledMapDb db = JournaledMapDb.open(file(), NAMES);
        db.put("a", "k1", bytes("v1"));
        db.put("a", "k2", bytes("v2"));
        db.put("a", "k3", bytes("v3"));
        db.put("b", "p/1", bytes("x"));
        db.put("b", "p/2", bytes("y"));
        db.put("b", "q/1", bytes("z"));
        db.commit();
        db.put("a", "k2", bytes("v2b"));
        db.remove("a", "k3");
        db.removeRange("b", "p/", "p0");
        db.commit();
        db.abandon();

        try (JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES)) {
            assertThat(contents(reopened, "a")).containsExactlyEntriesOf(new TreeMap<>(Map.of("k1", "v1", "k2", "v2b")));
            assertThat(contents(reopened, "b")).containsExactlyEntriesOf(Map.of("q/1", "z"));
        }
    }

    @Test
    void changesNotCommittedBeforeAKillAreLost() {
        JournaledMapDb db = JournaledMapDb.open(file(), NAMES);
        db.put("a", "kept", bytes("1"));
        db.commit();
        db.put("a", "lost", bytes("2"));
        db.abandon();

        try (JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES)) {
            assertThat(contents(reopened, "a")).containsExactlyEntriesOf(Map.of("kept", "1"));
        }
    }

    @Test
    void aGroupWrittenWithoutItsCommitFrameIsDroppedWhole() throws IOException {
        JournaledMapDb db = JournaledMapDb.open(file(), NAMES);
        db.put("a", "k", bytes("old"));
        db.commit();
        long before = Files.size(journal());
        db.put("a", "k", bytes("new"));
        db.put("a", "k2", bytes("new"));
        db.commit();
        db.abandon();
        // The commit frame is the last 9 bytes: length, CRC, one operation byte.
        byte[] all = Files.readAllBytes(journal());
        assertThat((long) all.length).isGreaterThan(before + 9);
        Files.write(journal(), Arrays.copyOf(all, all.length - 9));

        try (JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES)) {
            assertThat(contents(reopened, "a")).containsExactlyEntriesOf(Map.of("k", "old"));
        }
    }

    @Test
    void aTornOrDamagedTailIsIgnoredAndLaterCommitsStillCount() throws IOException {
        long good = commitEachThenKill(2);
        byte[] all = Files.readAllBytes(journal());

        for (int cut = (int) good + 1; cut < all.length; cut += 3) {
            Files.write(journal(), Arrays.copyOf(all, cut));
            try (JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES)) {
                assertThat(contents(reopened, "a")).as("journal cut at %d of %d", cut, all.length)
                        .containsExactlyEntriesOf(Map.of("k1", "v1"));
            }
        }

        byte[] damaged = all.clone();
        damaged[(int) good + 12] ^= 0x40;
        Files.write(journal(), damaged);
        JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES);
        assertThat(contents(reopened, "a")).containsExactlyEntriesOf(Map.of("k1", "v1"));
        reopened.put("a", "k3", bytes("v3"));
        reopened.commit();
        reopened.abandon();
        try (JournaledMapDb again = JournaledMapDb.open(file(), NAMES)) {
            assertThat(contents(again, "a")).containsExactlyEntriesOf(new TreeMap<>(Map.of("k1", "v1", "k3", "v3")));
        }
    }

    @Test
    void replayingAJournalOntoTheSnapshotThatAlreadyHoldsItChangesNothing() throws IOException {
        JournaledMapDb db = JournaledMapDb.open(file(), NAMES);
        db.put("a", "gone", bytes("1"));
        db.put("b", "r/1", bytes("1"));
        db.commit();
        db.remove("a", "gone");
        db.put("a", "k", bytes("2"));
        db.removeRange("b", "r/", "r0");
        db.put("b", "r/2", bytes("3"));
        db.commit();
        byte[] journalBeforeCheckpoint = Files.readAllBytes(journal());
        db.close();
        // A kill after the checkpoint's rename but before the journal's reset leaves exactly this on disk.
        Files.write(journal(), journalBeforeCheckpoint);

        try (JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES)) {
            assertThat(contents(reopened, "a")).containsExactlyEntriesOf(Map.of("k", "2"));
            assertThat(contents(reopened, "b")).containsExactlyEntriesOf(Map.of("r/2", "3"));
        }
    }

    @Test
    void aSnapshotLeftHalfWrittenIsDiscarded() throws IOException {
        commitThenKill("k", "v");
        Path tmp = dir.resolve("x.db.tmp");
        Files.write(tmp, bytes("half a MapDB file"));

        try (JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES)) {
            assertThat(contents(reopened, "a")).containsExactlyEntriesOf(Map.of("k", "v"));
        }
        assertThat(tmp).doesNotExist();
    }

    @Test
    void checkpointsWhileOpenKeepTheJournalShort() throws IOException {
        JournaledMapDb db = JournaledMapDb.open(file(), NAMES, 4096);
        byte[] big = new byte[64 * 1024];
        long appended = 0;
        long largest = 0;
        int checkpoints = 0;
        long previous = Files.size(journal());
        for (int i = 0; i < 200; i++) {
            big[0] = (byte) i;
            db.put("a", "big", big);
            db.put("b", "count", bytes(Integer.toString(i)));
            db.commit();
            long size = Files.size(journal());
            appended += big.length;
            largest = Math.max(largest, size);
            if (size < previous) {
                checkpoints++;
            }
            previous = size;
        }
        db.abandon();
        // The data stays small while the journal would grow by 13 MB: checkpoints (each a new snapshot and an
        // empty journal, once the journal passes twice the snapshot's file) must have kept it at a fraction of that.
        assertThat(checkpoints).isGreaterThanOrEqualTo(2);
        assertThat(largest).isLessThan(appended / 2);

        try (JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES)) {
            assertThat(reopened.map("a").get("big")).hasSize(big.length).startsWith((byte) 199);
            assertThat(contents(reopened, "b")).containsExactlyEntriesOf(Map.of("count", "199"));
        }
    }

    @Test
    void aSecondOpenOfTheSameFileFailsInOneLine() {
        try (JournaledMapDb db = JournaledMapDb.open(file(), NAMES)) {
            assertThatThrownBy(() -> JournaledMapDb.open(file(), NAMES))
                    .isInstanceOf(StorageException.class)
                    .hasMessage("cannot open " + file() + ": it is already open in this process; share that storage"
                            + " between studies, or close it first");
        }
        // Released on close.
        JournaledMapDb.open(file(), NAMES).close();
    }

    @Test
    void aFileWhereItsFolderShouldBeIsNamedAsSuch() throws IOException {
        Path notAFolder = dir.resolve("afile");
        Files.writeString(notAFolder, "x");
        assertThatThrownBy(() -> JournaledMapDb.open(notAFolder.resolve("tuna.db"), NAMES)).isInstanceOf(StorageException.class)
                .hasMessage("cannot open " + notAFolder.resolve("tuna.db") + ": already exists, and is not a folder: "
                        + notAFolder);
    }

    @Test
    void aJournalThatIsNotOursIsRejected() throws IOException {
        Files.write(journal(), bytes("this is some other file, not a journal"));
        assertThatThrownBy(() -> JournaledMapDb.open(file(), NAMES))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("is not a Tuna journal");
    }

    @Test
    void aShortJournalThatIsNotOursIsRejectedAndLeftAsItIsButOneCutInItsHeaderIsTakenAsNew() throws IOException {
        Files.write(journal(), bytes("garbage")); // shorter than a header, with no snapshot beside it
        assertThatThrownBy(() -> JournaledMapDb.open(file(), NAMES)).isInstanceOf(StorageException.class)
                .hasMessage("cannot open " + file() + ": " + journal() + " is not a Tuna journal");
        assertThat(Files.readAllBytes(journal())).isEqualTo(bytes("garbage"));
        assertThat(file()).doesNotExist();

        Files.write(journal(), bytes("TUNAJ")); // a reset's header written in part
        try (JournaledMapDb db = JournaledMapDb.open(file(), NAMES)) {
            assertThat(db.map("a")).isEmpty();
        }
    }

    @Test
    void anEmptyFileOpensAsANewStore() throws IOException {
        Files.createFile(file()); // as Files.createTempFile leaves it
        try (JournaledMapDb db = JournaledMapDb.open(file(), NAMES)) {
            db.put("a", "k", bytes("v"));
            db.commit();
        }
        try (JournaledMapDb db = JournaledMapDb.open(file(), NAMES)) {
            assertThat(db.map("a")).containsOnlyKeys("k");
        }
    }

    @Test
    void aFolderIsNamedAsSuchAndAFileThatIsNotOursIsRefusedWithNoJournalLeftBesideEither() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("data"));
        assertThatThrownBy(() -> JournaledMapDb.open(folder, NAMES)).isInstanceOf(StorageException.class)
                .hasMessage("cannot open " + folder + ": it is a folder; name a file, such as " + folder.resolve("tuna.db"));
        assertThat(dir.resolve("data.journal")).doesNotExist();

        Files.writeString(file(), "some other file");
        assertThatThrownBy(() -> JournaledMapDb.open(file(), NAMES)).isInstanceOf(StorageException.class)
                .hasMessageContaining("the file cannot be read").hasMessageContaining("nothing was changed");
        assertThat(journal()).doesNotExist();
        assertThat(Files.readString(file())).isEqualTo("some other file");

        // Optuna's storage, given by mistake: said so (it was called damaged).
        byte[] sqlite = "SQLite format 3\0 and its pages".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.write(file(), sqlite);
        assertThatThrownBy(() -> JournaledMapDb.open(file(), NAMES)).isInstanceOf(StorageException.class)
                .hasMessage("cannot open " + file() + ": it is an SQLite database (Optuna's storage, say), not a Tuna data"
                        + " file; nothing was changed");
        assertThat(Files.readAllBytes(file())).isEqualTo(sqlite);
    }

    @Test
    void aDamagedSnapshotIsRefusedInOneLineAndLeftAsItIs() throws IOException {
        JournaledMapDb db = JournaledMapDb.open(file(), NAMES);
        for (int i = 0; i < 3000; i++) {
            db.put("a", String.format("key-%05d", i), bytes("value " + i + " ".repeat(100)));
        }
        db.commit();
        db.close(); // everything in the snapshot now
        byte[] whole = Files.readAllBytes(file());
        // Its header page zeroed (MapDB advised bypassing its checksum), and the file cut short.
        byte[] header = whole.clone();
        java.util.Arrays.fill(header, 0, 4096, (byte) 0);
        for (byte[] damaged : List.of(header, java.util.Arrays.copyOf(whole, whole.length / 2))) {
            Files.write(file(), damaged);
            assertThatThrownBy(() -> JournaledMapDb.open(file(), NAMES)).isInstanceOf(StorageException.class)
                    .hasMessageStartingWith("cannot open " + file() + ": the file cannot be read, it is damaged, its disk failed or it"
                            + " is no Tuna data file (")
                    .hasMessageEndingWith("); nothing was changed: restore it from a backup, or move it away to start an"
                            + " empty store");
            assertThat(Files.readAllBytes(file())).isEqualTo(damaged);
        }
    }

    @Test
    void aFlippedByteInTheSnapshotsDataIsRefusedInOneLineAndLeftAsItIs() throws IOException {
        JournaledMapDb db = JournaledMapDb.open(file(), NAMES);
        db.put("a", "k1", bytes("value=0.9312"));
        db.put("b", "k2", bytes("other"));
        db.commit();
        db.close(); // everything in the snapshot now
        byte[] damaged = Files.readAllBytes(file());
        int at = indexOf(damaged, bytes("value=0.9312"));
        assertThat(at).isNotNegative();
        damaged[at + 8] = (byte) '8'; // 0.9312 -> 0.8312: MapDB reads it without complaint
        Files.write(file(), damaged);
        assertThatThrownBy(() -> JournaledMapDb.open(file(), NAMES)).isInstanceOf(StorageException.class)
                .hasMessage("cannot open " + file() + ": the file is damaged, map 'a' does not match its checksum; nothing"
                        + " was changed: read what is left with a read command (tuna export opens it read-only), then"
                        + " restore it from a backup, or move it away to start an empty store");
        assertThat(Files.readAllBytes(file())).isEqualTo(damaged);
        // Read only, what is left can be read (and exported), damage and all.
        JournaledMapDb readOnly = JournaledMapDb.openReadOnly(file(), NAMES);
        assertThat(readOnly.map("a").get("k1")).isEqualTo(bytes("value=0.8312"));
        assertThat(readOnly.map("b").get("k2")).isEqualTo(bytes("other"));
        readOnly.close();
        assertThat(Files.readAllBytes(file())).isEqualTo(damaged);
    }

    @Test
    void aSnapshotThatLostAChecksumIsNotTakenForOneOfAnEarlierVersion() {
        // Marked as checksummed, but map b's checksum is gone (damage to MapDB's catalogue of names, say).
        org.mapdb.DB made = org.mapdb.DBMaker.fileDB(file().toFile()).make();
        made.treeMap("a", org.mapdb.Serializer.STRING, org.mapdb.Serializer.BYTE_ARRAY).create();
        made.treeMap("b", org.mapdb.Serializer.STRING, org.mapdb.Serializer.BYTE_ARRAY).create().put("k", bytes("v"));
        made.atomicLong("checksum:a", new java.util.zip.CRC32().getValue()).create();
        made.atomicLong("checksummed", 1).create();
        made.commit();
        made.close();
        assertThatThrownBy(() -> JournaledMapDb.open(file(), NAMES)).isInstanceOf(StorageException.class)
                .hasMessageContaining("map 'b' has lost its checksum");
    }

    @Test
    void aSnapshotWithoutChecksumsAsEarlierVersionsWroteIsReadAsItIs() {
        org.mapdb.DB old = org.mapdb.DBMaker.fileDB(file().toFile()).make();
        old.treeMap("a", org.mapdb.Serializer.STRING, org.mapdb.Serializer.BYTE_ARRAY).create().put("k", bytes("v"));
        old.commit();
        old.close();
        JournaledMapDb db = JournaledMapDb.open(file(), NAMES);
        assertThat(db.map("a").get("k")).isEqualTo(bytes("v"));
        db.close();
        JournaledMapDb again = JournaledMapDb.open(file(), NAMES); // now with checksums
        assertThat(again.map("a").get("k")).isEqualTo(bytes("v"));
        again.close();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void aClosedStoreRefusesChanges() {
        JournaledMapDb db = JournaledMapDb.open(file(), NAMES);
        db.close();
        assertThatThrownBy(() -> db.put("a", "k", bytes("v"))).isInstanceOf(StorageException.class).hasMessageContaining("closed");
    }

    private FillingDisk disk;

    private JournaledMapDb openOnFillingDisk() {
        return JournaledMapDb.open(file(), NAMES, JournaledMapDb.MIN_CHECKPOINT_BYTES, f -> disk = new FillingDisk(f));
    }

    @Test
    void aCommitThatFailsKeepsItsChangesForTheNextOne() {
        JournaledMapDb db = openOnFillingDisk();
        db.put("a", "k1", bytes("v1"));
        disk.full = true;
        assertThatThrownBy(db::commit).isInstanceOf(StorageException.class)
                .hasMessageContaining("No space left on device");
        assertThat(db.dirty()).isTrue();
        disk.full = false;
        db.put("a", "k2", bytes("v2"));
        db.commit();
        db.abandon(); // a kill: only what was committed is on disk
        try (JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES)) {
            assertThat(contents(reopened, "a")).containsExactlyEntriesOf(new TreeMap<>(Map.of("k1", "v1", "k2", "v2")));
        }
    }

    @Test
    void aRollbackUndoesTheChangesAfterItsSavepointOnly() {
        JournaledMapDb db = openOnFillingDisk();
        db.put("a", "kept", bytes("1"));
        db.put("a", "changed", bytes("old"));
        db.commit();
        db.put("a", "waiting", bytes("2"));
        JournaledMapDb.Savepoint savepoint = db.savepoint();
        db.put("a", "changed", bytes("new"));
        db.put("a", "added", bytes("3"));
        db.remove("a", "kept");
        db.removeRange("a", "a", "z");
        disk.full = true;
        assertThatThrownBy(db::commit).isInstanceOf(StorageException.class);
        db.rollback(savepoint);
        assertThat(contents(db, "a")).containsExactlyEntriesOf(
                new TreeMap<>(Map.of("kept", "1", "changed", "old", "waiting", "2")));
        disk.full = false;
        db.commit(); // the change from before the savepoint still waited
        db.abandon();
        try (JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES)) {
            assertThat(contents(reopened, "a")).containsExactlyEntriesOf(
                    new TreeMap<>(Map.of("kept", "1", "changed", "old", "waiting", "2")));
        }
    }

    @Test
    void aJournalThatCannotBeFoldedIntoASnapshotIsStillReadAndKept() throws IOException {
        commitEachThenKill(1);
        byte[] journal = Files.readAllBytes(journal());
        try (JournaledMapDb full = JournaledMapDb.open(file(), NAMES, JournaledMapDb.MIN_CHECKPOINT_BYTES, f -> {
            disk = new FillingDisk(f);
            disk.full = true;
            disk.failTruncateToZero = true;
            return disk;
        })) {
            assertThat(contents(full, "a")).containsExactlyEntriesOf(Map.of("k1", "v1"));
            assertThat(Files.readAllBytes(journal())).isEqualTo(journal);
            assertThat(dir.resolve("x.db.tmp")).doesNotExist();
            disk.full = false;
            full.put("a", "k2", bytes("v2"));
            full.commit();
            full.abandon();
        }
        try (JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES)) {
            assertThat(contents(reopened, "a")).containsExactlyEntriesOf(new TreeMap<>(Map.of("k1", "v1", "k2", "v2")));
        }
    }

    @Test
    void aDamagedEpochInTheHeaderIsRefusedAndTheJournalLeftAsItIs() throws IOException {
        commitEachThenKill(1);
        byte[] good = Files.readAllBytes(journal());
        byte[] damaged = good.clone();
        damaged[15] ^= 0x02; // the epoch's last byte: every frame would fail its check, as if the journal held nothing
        Files.write(journal(), damaged);
        assertThatThrownBy(() -> JournaledMapDb.open(file(), NAMES)).isInstanceOf(StorageException.class)
                .hasMessageContaining("the header of " + journal() + " is damaged");
        assertThat(Files.readAllBytes(journal())).isEqualTo(damaged);
        assertThat(Files.readAllBytes(dir.resolve("x.db.journal.damaged-header"))).isEqualTo(damaged);
        Files.write(journal(), good); // repaired by hand: nothing was lost
        try (JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES)) {
            assertThat(contents(reopened, "a")).containsExactlyEntriesOf(Map.of("k1", "v1"));
        }
    }

    @Test
    void aJournalOfTheFirstVersionIsStillRead() throws IOException {
        commitEachThenKill(1);
        byte[] now = Files.readAllBytes(journal());
        // The first version's header: its magic and the epoch, without the epoch's checksum.
        byte[] v1 = new byte[now.length - Integer.BYTES];
        System.arraycopy(bytes("TUNAJRN1"), 0, v1, 0, 8);
        System.arraycopy(now, 8, v1, 8, Long.BYTES);
        System.arraycopy(now, 20, v1, 16, now.length - 20);
        Files.write(journal(), v1);
        try (JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES)) {
            assertThat(contents(reopened, "a")).containsExactlyEntriesOf(Map.of("k1", "v1"));
            reopened.put("a", "k2", bytes("v2"));
            reopened.commit();
        }
        assertThat(new String(Files.readAllBytes(journal()), 0, 8, StandardCharsets.US_ASCII)).isEqualTo("TUNAJRN2");
        try (JournaledMapDb again = JournaledMapDb.open(file(), NAMES)) {
            assertThat(contents(again, "a")).containsExactlyEntriesOf(new TreeMap<>(Map.of("k1", "v1", "k2", "v2")));
        }
    }

    @Test
    void closingWhenNoSnapshotCanBeWrittenKeepsTheJournal() {
        JournaledMapDb db = openOnFillingDisk();
        db.put("a", "k1", bytes("v1"));
        db.commit();
        disk.full = true;
        disk.failTruncateToZero = true;
        db.close(); // a read command's close: everything is committed, only the snapshot fails
        try (JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES)) {
            assertThat(contents(reopened, "a")).containsExactlyEntriesOf(Map.of("k1", "v1"));
        }
    }

    @Test
    void damageInTheMiddleOfTheJournalKeepsACopyOfIt() throws IOException {
        long good = commitEachThenKill(3);
        byte[] damaged = Files.readAllBytes(journal());
        damaged[(int) good + 12] ^= 0x40;
        Files.write(journal(), damaged);
        try (JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES)) {
            assertThat(contents(reopened, "a")).containsExactlyEntriesOf(Map.of("k1", "v1"));
        }
        try (var copies = Files.list(dir)) {
            List<Path> kept = copies.filter(p -> p.getFileName().toString().startsWith("x.db.journal.damaged-")).toList();
            assertThat(kept).hasSize(1);
            assertThat(Files.readAllBytes(kept.get(0))).isEqualTo(damaged);
        }
    }

    @Test
    void aSecondDamageKeepsTheFirstCopy() throws IOException {
        for (int round = 0; round < 2; round++) {
            long good = commitEachThenKill(3);
            byte[] damaged = Files.readAllBytes(journal());
            damaged[(int) good + 12] ^= 0x40;
            Files.write(journal(), damaged);
            JournaledMapDb.open(file(), NAMES).close();
            Files.delete(journal()); // a journal of epoch 1 again: the copy's name is the first one's
            Files.delete(file());
        }
        try (var copies = Files.list(dir)) {
            assertThat(copies.map(p -> p.getFileName().toString()).filter(n -> n.contains("damaged")).sorted())
                    .containsExactly("x.db.journal.damaged-1", "x.db.journal.damaged-1-2");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aCommitAfterACheckpointThatFailedToWriteTheJournalsHeaderIsKept(boolean headerReachedTheDisk) throws IOException {
        // A checkpoint empties the journal, then writes its new header: when that failed (an I/O error), the next
        // commits were written after where the old journal had ended, with the old epoch, and a reopen dropped them
        // without a word (or, with no header at all, refused the journal).
        boolean[] failHeader = {false};
        JournaledMapDb db = JournaledMapDb.open(file(), NAMES, 1, f -> new java.io.RandomAccessFile(f, "rw") {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                boolean header = failHeader[0] && len >= 8 && new String(b, off, 8, StandardCharsets.US_ASCII)
                        .equals("TUNAJRN2");
                if (header && headerReachedTheDisk) {
                    super.write(b, off, len);
                }
                if (header) {
                    failHeader[0] = false;
                    throw new IOException("Input/output error");
                }
                super.write(b, off, len);
            }
        });
        failHeader[0] = true;
        String large = "v".repeat((int) (2 * Files.size(file())) + 10); // the journal outgrows the snapshot
        db.put("a", "k1", bytes(large));
        db.commit(); // durable; its checkpoint fails to write the emptied journal's header
        assertThat(failHeader[0]).isFalse();
        db.put("a", "k2", bytes("v2"));
        db.commit();
        db.abandon();
        try (JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES)) {
            assertThat(contents(reopened, "a")).containsExactlyEntriesOf(new TreeMap<>(Map.of("k1", large, "k2", "v2")));
        }
    }

    @Test
    void aWholeLastFrameThatFailsItsCheckIsDroppedAndKept() throws IOException {
        commitEachThenKill(2);
        byte[] damaged = Files.readAllBytes(journal());
        damaged[damaged.length - 1] ^= 0x01; // the last commit's frame, all there: a power cut or damage, not a kill
        Files.write(journal(), damaged);
        try (JournaledMapDb reopened = JournaledMapDb.open(file(), NAMES)) {
            assertThat(contents(reopened, "a")).containsExactlyEntriesOf(Map.of("k1", "v1"));
        }
        try (var copies = Files.list(dir)) {
            List<Path> kept = copies.filter(p -> p.getFileName().toString().endsWith("-tail")).toList();
            assertThat(kept).hasSize(1);
            assertThat(Files.readAllBytes(kept.get(0))).isEqualTo(damaged);
        }
    }

    @Test
    void aTornTailIsNotTakenForDamage() throws IOException {
        commitEachThenKill(2);
        byte[] all = Files.readAllBytes(journal());
        Files.write(journal(), Arrays.copyOf(all, all.length - 3));
        JournaledMapDb.open(file(), NAMES).close();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("damaged"));
        }
    }
}
