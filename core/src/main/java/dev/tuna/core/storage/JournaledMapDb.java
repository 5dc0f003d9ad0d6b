package dev.tuna.core.storage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.zip.CRC32;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A few named sorted maps (string keys, byte-array values) kept crash-safe on disk: a MapDB file holds a snapshot,
 * and an append-only journal beside it ({@code <file>.journal}) holds every change committed since.
 *
 * <p>Why not MapDB's own transactions: MapDB 3.1's write-ahead log is never replayed when a file is opened, and its
 * commit then rewrites the file in place, so a process killed during a commit leaves a corrupt file. Here the MapDB
 * file is never changed in place: a checkpoint writes a new one beside it and renames it over the old one. A commit
 * only appends to the journal and forces it to disk; its frames carry a CRC32, and a torn or uncommitted tail is
 * dropped when the file is opened again. Replaying the journal onto a snapshot that already holds it changes
 * nothing, so a crash between a checkpoint's rename and the journal's reset is harmless too. Each map in the
 * snapshot has a CRC32 of its entries beside it: damage to the data, which MapDB does not check, is refused when
 * the file is opened to write; opened read-only, it is read as it is (and logged), so that what is left can be
 * exported.
 *
 * <p>The maps are also held in memory. A commit that fails (a full disk) keeps its changes waiting for the next
 * one; {@link #rollback} undoes the latest of them instead. A journal damaged in the middle (not just torn at its end
 * by a crash) is loaded up to the damage and copied aside (not when opened read-only), and that is logged as an
 * error. Not thread-safe: the owner serialises calls. The journal's lock makes a second process fail to open the
 * same file.
 */
final class JournaledMapDb implements AutoCloseable {

    /** The first version's header: this magic and the epoch. Still read; a checkpoint replaces it. */
    private static final byte[] MAGIC_V1 = "TUNAJRN1".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER_V1 = MAGIC_V1.length + Long.BYTES;
    /** The header: this magic, the epoch and the epoch's CRC32, so that damage to the epoch is noticed. */
    private static final byte[] MAGIC = "TUNAJRN2".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER_SIZE = HEADER_V1 + Integer.BYTES;
    private static final int FRAME_HEADER = 2 * Integer.BYTES;
    private static final byte PUT = 1;
    private static final byte REMOVE = 2;
    private static final byte REMOVE_RANGE = 3;
    private static final byte COMMIT = 4;
    /** Beside each map in a snapshot, the name of the CRC32 of its entries ({@link #entriesChecksum}). */
    private static final String CHECKSUM_PREFIX = "checksum:";
    /** Marks a snapshot whose maps have checksums, so that one that lost its checksum is not taken for an old one. */
    private static final String CHECKSUMMED = "checksummed";
    private static final Logger LOG = LoggerFactory.getLogger(JournaledMapDb.class);
    /** The journals this process has open (by {@link #openKey}): see {@link #open(Path, List, long, JournalOpener)}. */
    private static final java.util.Set<Path> OPEN_HERE = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Journals opened a second time in this process and never closed: closing one would release the first's lock. */
    private static final List<RandomAccessFile> HELD_OPEN = java.util.Collections.synchronizedList(new ArrayList<>());
    /** The size of the write that {@link #probe} tries. */
    static final int PROBE_BYTES = 64 << 10;
    /** By default a checkpoint happens once the journal outgrows both this and twice the snapshot. */
    static final long MIN_CHECKPOINT_BYTES = 8L << 20;

    private final Path path;
    private final Path journalPath;
    /** Its key in {@link #OPEN_HERE}, as the open made it. */
    private final Path openKey;
    /** A RandomAccessFile, not a FileChannel: a channel closes for good when a thread doing I/O on it is
     * interrupted (a trial cancelled by a timeout), which would take the whole storage down. */
    private final RandomAccessFile journal;
    private final FileLock lock; // null: read only, and no journal to read
    /** Opened by {@link #openReadOnly}: nothing is ever written. */
    private final boolean readOnly;
    private final Map<String, TreeMap<String, byte[]>> maps;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    /** How to undo, in memory, each change since the last commit: last one last. */
    private final List<Runnable> undo = new ArrayList<>();
    private final CRC32 crc = new CRC32();
    private final long minCheckpointBytes;
    /** Frames of one journal generation only verify against it, so stale bytes of an older one never replay. */
    private long epoch;
    /** The size of the journal's header on disk: an older version's is shorter. */
    private int headerSize = HEADER_SIZE;
    private long journalSize;
    private long nextCheckpointAt;
    /** The journal's size when opening could not fold it into a snapshot; -1 when it could. */
    private long snapshotFailedAt = -1;
    private boolean closed;

    private JournaledMapDb(Path path, Path journalPath, Path openKey, RandomAccessFile journal, FileLock lock,
            List<String> names, long minCheckpointBytes, boolean readOnly) {
        this.path = path;
        this.openKey = openKey;
        this.readOnly = readOnly;
        this.minCheckpointBytes = minCheckpointBytes;
        this.journalPath = journalPath;
        this.journal = journal;
        this.lock = lock;
        this.maps = new LinkedHashMap<>();
        for (String name : names) {
            maps.put(name, new TreeMap<>());
        }
    }

    /**
     * Opens the maps stored at {@code path}, creating the files if needed: loads the snapshot, replays the journal's
     * committed changes, and writes them into a fresh snapshot.
     *
     * @throws StorageException if another process has the file open, or it cannot be read
     */
    static JournaledMapDb open(Path path, List<String> names) {
        return open(path, names, MIN_CHECKPOINT_BYTES);
    }

    /** As {@link #open(Path, List)}, with the journal size below which no checkpoint happens while open. */
    static JournaledMapDb open(Path path, List<String> names, long minCheckpointBytes) {
        return open(path, names, minCheckpointBytes, JournalOpener.READ_WRITE);
    }

    /**
     * Opens the maps at {@code path} to read them only: the snapshot and the journal's committed changes are loaded,
     * and nothing is written (no snapshot, no reset journal, no copy of a damaged one), so that a backup or a file on
     * a read-only disk can be read as it is. A shared lock on the journal keeps a process that writes to it out
     * meanwhile (and this one out while such a process has it); a snapshot without a journal (no process has it open
     * to write) is read without a lock, and what was loaded stays as it was if a writer opens it afterwards.
     *
     * @throws StorageException if another process writes to the file, there is no file, or it cannot be read
     */
    static JournaledMapDb openReadOnly(Path path, List<String> names) {
        Path file = linkTarget(path);
        if (!Files.exists(file) && !Files.exists(file.resolveSibling(file.getFileName() + ".journal"))) {
            throw new StorageException("cannot open " + path + ": no such file");
        }
        return open(path, names, MIN_CHECKPOINT_BYTES, JournalOpener.READ_ONLY, true);
    }

    /** Opens the journal file for reading and writing (tests pass one whose writes fail, as on a full disk). */
    interface JournalOpener {
        /** The file as it is, for reading and writing. */
        JournalOpener READ_WRITE = file -> new RandomAccessFile(file, "rw");
        /** The file as it is, for reading only ({@link #openReadOnly}). */
        JournalOpener READ_ONLY = file -> new RandomAccessFile(file, "r");

        RandomAccessFile open(java.io.File file) throws IOException;
    }

    /** As {@link #open(Path, List, long)}, with the journal file opened by {@code opener}. */
    static JournaledMapDb open(Path path, List<String> names, long minCheckpointBytes, JournalOpener opener) {
        return open(path, names, minCheckpointBytes, opener, false);
    }

    private static JournaledMapDb open(Path given, List<String> names, long minCheckpointBytes, JournalOpener opener,
            boolean readOnly) {
        Path path = linkTarget(given);
        Path journalPath = path.resolveSibling(path.getFileName() + ".journal");
        if (Files.isDirectory(path)) {
            throw new StorageException("cannot open " + path + ": it is a folder; name a file, such as "
                    + path.resolve("tuna.db"));
        }
        // Refused before the journal is opened a second time here: closing that second channel would release this
        // process's lock on the file (POSIX locks are the process's), and another process could then open it too.
        Path openKey = openKey(journalPath);
        if (!OPEN_HERE.add(openKey)) {
            throw new StorageException("cannot open " + path + ": it is already open in this process; share that"
                    + " storage between studies, or close it first");
        }
        boolean journalExisted = Files.exists(journalPath);
        RandomAccessFile channel = null;
        FileLock lock = null;
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null && !readOnly) {
                DataFolder.create(parent);
            }
            channel = readOnly && !journalExisted ? null : opener.open(journalPath.toFile());
            try {
                // Shared when reading only: readers may share a file, and a writer's lock excludes them all.
                lock = channel == null ? null : readOnly ? channel.getChannel().tryLock(0, Long.MAX_VALUE, true)
                        : channel.getChannel().tryLock();
            } catch (OverlappingFileLockException e) {
                // The JVM's own lock: a storage on this file is open in this process, by a name the open key did not
                // tell apart (a hard link). This descriptor is kept open: closing it would release that storage's lock.
                HELD_OPEN.add(channel);
                channel = null;
                throw new StorageException("cannot open " + path + ": it is already open in this process; share that"
                        + " storage between studies, or close it first");
            }
            if (lock == null && channel != null) {
                throw new StorageInUseException("cannot open " + path + ": it is already open in another process");
            }
            JournaledMapDb db = new JournaledMapDb(path, journalPath, openKey, channel, lock, names, minCheckpointBytes,
                    readOnly);
            db.load();
            return db;
        } catch (StorageException e) {
            abandonOpen(channel, lock != null && !journalExisted, journalPath, openKey);
            throw e;
        } catch (IOException | DBException e) {
            abandonOpen(channel, lock != null && !journalExisted, journalPath, openKey);
            throw new StorageException("cannot open " + path + ": " + describe(e), e);
        }
    }

    /**
     * The file that {@code path} names, through any symbolic links to it: the journal and the snapshot's temporary
     * file go beside the data file itself, not beside a link (where they would make a second store of it), and a
     * snapshot's rename replaces the file, not the link. A link to a file not made yet names the file to make.
     */
    static Path linkTarget(Path path) {
        if (!Files.isSymbolicLink(path)) {
            return path;
        }
        try {
            return path.toRealPath();
        } catch (IOException notThere) {
            // A link to a file not made yet: followed as the system follows it, each link's target taken from the real
            // folder of the link (not tidied first: "DATA/tuna.db -> ../shared/tuna.db", with DATA itself a link, goes
            // up from where DATA leads).
        }
        Path file = path;
        for (int hops = 0; hops < 40 && Files.isSymbolicLink(file); hops++) {
            try {
                Path folder = file.toAbsolutePath().getParent();
                try {
                    folder = folder.toRealPath();
                } catch (IOException e) {
                    // as it is named, then
                }
                file = folder.resolve(Files.readSymbolicLink(file));
            } catch (IOException e) {
                return file; // the open that follows says what is wrong with it
            }
        }
        return file;
    }

    /**
     * The key of a journal in {@link #OPEN_HERE}: its path under the real path of its nearest folder that exists, so
     * that a second name for the same folder (a symbolic link to it or to a folder above) finds the file open.
     */
    private static Path openKey(Path journalPath) {
        Path absolute = journalPath.toAbsolutePath().normalize();
        Path existing = absolute.getParent();
        Path rest = absolute.getFileName();
        while (existing != null && !Files.isDirectory(existing)) {
            rest = existing.getFileName().resolve(rest);
            existing = existing.getParent();
        }
        try {
            return existing == null ? absolute : existing.toRealPath().resolve(rest);
        } catch (IOException e) {
            return absolute;
        }
    }

    /**
     * Closes the journal after a failed open, first removing it where this open made it ({@code created}) and holds
     * its lock: one that lost the lock to another process must leave that process's journal alone.
     */
    private static void abandonOpen(java.io.Closeable channel, boolean created, Path journalPath, Path openKey) {
        if (created) {
            try {
                Files.deleteIfExists(journalPath);
            } catch (IOException ignored) {
                // An empty journal left behind is harmless: the next open takes it as new.
            }
        }
        closeQuietly(channel);
        OPEN_HERE.remove(openKey);
    }

    private static void closeQuietly(java.io.Closeable channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Already failing with a better message.
            }
        }
    }

    /** The map of that name, read-only; it shows every change made so far, committed or not. */
    NavigableMap<String, byte[]> map(String name) {
        return Collections.unmodifiableNavigableMap(mapNamed(name));
    }

    private TreeMap<String, byte[]> mapNamed(String name) {
        TreeMap<String, byte[]> map = maps.get(name);
        if (map == null) {
            throw new IllegalArgumentException("no map named '" + name + "'");
        }
        return map;
    }

    void put(String map, String key, byte[] value) {
        checkWritable();
        TreeMap<String, byte[]> target = mapNamed(map);
        rememberUndo(target, key, target.put(key, value));
        frame(out -> {
            out.writeByte(PUT);
            out.writeUTF(map);
            out.writeUTF(key);
            out.writeInt(value.length);
            out.write(value);
        });
    }

    void remove(String map, String key) {
        checkWritable();
        TreeMap<String, byte[]> target = mapNamed(map);
        rememberUndo(target, key, target.remove(key));
        frame(out -> {
            out.writeByte(REMOVE);
            out.writeUTF(map);
            out.writeUTF(key);
        });
    }

    /** Removes the keys from {@code from} (inclusive) to {@code to} (exclusive). */
    void removeRange(String map, String from, String to) {
        checkWritable();
        TreeMap<String, byte[]> target = mapNamed(map);
        NavigableMap<String, byte[]> range = target.subMap(from, true, to, false);
        Map<String, byte[]> removed = new TreeMap<>(range);
        range.clear();
        undo.add(() -> target.putAll(removed));
        frame(out -> {
            out.writeByte(REMOVE_RANGE);
            out.writeUTF(map);
            out.writeUTF(from);
            out.writeUTF(to);
        });
    }

    private void rememberUndo(TreeMap<String, byte[]> map, String key, byte[] previous) {
        undo.add(previous == null ? () -> map.remove(key) : () -> map.put(key, previous));
    }

    /**
     * Writes what waits, then an empty commit of {@value #PROBE_BYTES} bytes, and forces them to disk: whether the
     * journal can take commits again after one failed (with every change of it undone, no commit would tell). The
     * size, well above a trial's commit, keeps a disk with a few bytes left from passing for one with room.
     *
     * @throws StorageException if it cannot
     */
    void probe() {
        checkWritable();
        if (dirty()) {
            // What waits is written first, then the probe: a small change fits in the last bytes of a full disk, and
            // passed for room (the health check said ok while trials could not end).
            commit();
        }
        // A commit frame with padding after its operation, which replay ignores: an empty group, changing nothing.
        frame(out -> {
            out.writeByte(COMMIT);
            out.write(new byte[PROBE_BYTES]);
        });
        try {
            commit();
        } catch (StorageException e) {
            pending.reset(); // nothing but the probe waited
            throw e;
        }
    }

    /**
     * Sets the journal's modification time to now without changing what it holds: its first byte is written again,
     * through the file this process has open. Not {@code Files.setLastModifiedTime}, nor anything else that opens
     * the journal by its name: closing any descriptor of a file drops this process's lock on it (POSIX locks are the
     * process's), and another process could then open it too.
     */
    void markAlive() throws IOException {
        checkWritable();
        journal.seek(0); // every commit seeks to where it writes
        int first = journal.read();
        if (first >= 0) {
            journal.seek(0);
            journal.write(first);
        }
    }

    /** Whether changes wait for a commit. */
    boolean dirty() {
        return pending.size() > 0;
    }

    /**
     * Makes every change so far durable: appends them to the journal and forces it to disk. When that fails, the
     * changes stay in memory and wait for the next commit (or a {@link #rollback}).
     */
    void commit() {
        commit(true);
    }

    /**
     * As {@link #commit()}, but leaves the journal's new frames to the operating system, which writes them in its
     * own time: they survive the process being killed, not the machine losing power, until the next commit that
     * forces the journal to disk (it forces them too). A forced commit whose sync fails rewrites only its own frames:
     * were the operating system to drop unforced frames before them on that I/O error (Linux may), a crash then would
     * replay up to the gap and keep the later frames aside as damage; that needs a failing disk.
     */
    void commitUnforced() {
        commit(false);
    }

    private void commit(boolean force) {
        checkOpen();
        if (!dirty()) {
            return;
        }
        int uncommitted = pending.size();
        frame(out -> out.writeByte(COMMIT));
        byte[] bytes = pending.toByteArray();
        try {
            if (journalSize == 0) {
                writeHeader(); // emptied by a checkpoint that failed to write it
            }
            journal.seek(journalSize);
            journal.write(bytes);
            if (force) {
                journal.getFD().sync();
            }
        } catch (IOException e) {
            // Cut off what may have been half written, so that later commits are not hidden behind a torn frame.
            try {
                journal.setLength(journalSize);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            // Without its commit frame, so that the next commit writes the changes in one group with its own.
            keepPending(uncommitted);
            throw new StorageException("cannot write " + journalPath + ": " + describe(e), e);
        }
        pending.reset();
        undo.clear();
        journalSize += bytes.length;
        if (journalSize > nextCheckpointAt) {
            try {
                checkpoint();
            } catch (StorageException e) {
                // The commit is durable in the journal all the same; try again once it has grown as much again. (A
                // journal emptied before its header failed is in the new snapshot: the next is due as usual.)
                if (journalSize > 0) {
                    nextCheckpointAt = 2 * journalSize;
                }
                LOG.warn("{}: checkpoint failed, the journal keeps growing: {}", path, e.getMessage());
            }
        }
    }

    /** A point in the changes not yet committed, to {@link #rollback} to. */
    record Savepoint(int changes, int bytes) {
    }

    /** Where the changes not yet committed stand now. */
    Savepoint savepoint() {
        return new Savepoint(undo.size(), pending.size());
    }

    /**
     * Undoes, in memory, the changes made since the savepoint, which must be later than the last commit that
     * succeeded (none of them reached the disk); the earlier ones still wait for a commit.
     */
    void rollback(Savepoint savepoint) {
        checkOpen();
        for (int i = undo.size() - 1; i >= savepoint.changes(); i--) {
            undo.remove(i).run();
        }
        keepPending(savepoint.bytes());
    }

    /** Cuts the changes waiting for a commit back to their first {@code bytes}. */
    private void keepPending(int bytes) {
        byte[] all = pending.toByteArray();
        pending.reset();
        pending.write(all, 0, bytes);
    }

    /** The first message in an exception's causes, or its type when none has one (MapDB's I/O errors have none). */
    static String describe(Throwable e) {
        // java.nio's exceptions about a file carry only its path as their message ("cannot open x/tuna.db: x").
        if (e instanceof java.nio.file.FileSystemException f) {
            return FileErrors.describe(f);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                return t.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }

    /** Commits, writes a last snapshot, and releases the files. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (readOnly) {
            abandon();
            return;
        }
        try {
            commit();
            // Not again if nothing was written since opening failed to write one (a read on a full disk).
            if (journalSize > headerSize && journalSize != snapshotFailedAt) {
                try {
                    checkpoint();
                } catch (StorageException e) {
                    // Everything is in the journal already; the next open folds it in.
                    LOG.warn("{}: the journal is kept, a new snapshot could not be written: {}", path, e.getMessage());
                }
            }
        } finally {
            closed = true;
            try {
                lock.release();
            } catch (IOException ignored) {
                // Closing the channel releases it too.
            }
            closeQuietly(journal);
            OPEN_HERE.remove(openKey);
        }
    }

    /** Releases the files without committing or writing anything more. */
    void abandon() {
        closed = true;
        closeQuietly(journal);
        OPEN_HERE.remove(openKey);
    }

    private void checkOpen() {
        if (closed) {
            throw new StorageException(path + " is closed");
        }
    }

    private void checkWritable() {
        checkOpen();
        if (readOnly) {
            throw new StorageException(path + " is open read-only");
        }
    }

    // ---------------------------------------------------------------- journal frames

    private interface FrameWriter {
        void write(DataOutputStream out) throws IOException;
    }

    /** Appends one frame to the pending bytes: payload length, CRC32 of the epoch and payload, payload. */
    private void frame(FrameWriter writer) {
        try {
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            writer.write(new DataOutputStream(payload));
            byte[] bytes = payload.toByteArray();
            DataOutputStream out = new DataOutputStream(pending);
            out.writeInt(bytes.length);
            out.writeInt(checksum(bytes, 0, bytes.length));
            out.write(bytes);
        } catch (IOException e) {
            throw new IllegalStateException("in-memory write failed", e);
        }
    }

    private int checksum(byte[] bytes, int offset, int length) {
        crc.reset();
        crc.update(ByteBuffer.allocate(Long.BYTES).putLong(0, epoch));
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    // ---------------------------------------------------------------- opening

    /** Whether the file begins as an SQLite database does: a likely file to open by mistake, Optuna's storage. */
    private boolean sqlite() throws IOException {
        byte[] head = new byte[16];
        try (var in = Files.newInputStream(path)) {
            return in.readNBytes(head, 0, head.length) == head.length
                    && new String(head, java.nio.charset.StandardCharsets.ISO_8859_1).equals("SQLite format 3\0");
        }
    }

    private void load() throws IOException {
        if (!readOnly) {
            Files.deleteIfExists(tmpPath());
        }
        long size = journal == null ? 0 : journal.length();
        // A file of no bytes and no journal is one made to be used (Files.createTempFile, touch): a new store. A
        // snapshot is written whole before it replaces the file, so this is never a damaged one of ours.
        boolean emptyFile = Files.exists(path) && Files.size(path) == 0 && size == 0;
        if (Files.exists(path) && !emptyFile) {
            if (!Files.isReadable(path)) {
                throw new StorageException("cannot open " + path + ": this user may not read it");
            }
            try {
                readSnapshot();
            } catch (RuntimeException e) {
                if (sqlite()) {
                    throw new StorageException("cannot open " + path + ": it is an SQLite database (Optuna's storage,"
                            + " say), not a Tuna data file; nothing was changed", e);
                }
                if (e instanceof DamagedSnapshotException) {
                    // Its records still read: what is left can be exported before the file is restored.
                    throw new StorageException("cannot open " + path + ": the file is damaged, " + e.getMessage()
                            + "; nothing was changed: read what is left with a read command (tuna export opens it"
                            + " read-only), then restore it from a backup, or move it away to start an empty store", e);
                }
                // MapDB fails on a damaged page with whatever it hit (NegativeArraySizeException, a buffer underflow),
                // or with advice for its own users (bypass the header checksum): neither says what is wrong.
                String cause = e.getMessage() == null ? e.getClass().getSimpleName()
                        : e.getClass().getSimpleName() + ": " + e.getMessage().split("\\. |\\n", 2)[0];
                throw new StorageException("cannot open " + path + ": the file cannot be read, it is damaged, its disk"
                        + " failed or it is no Tuna data file (" + cause + "); nothing was changed: restore it from a"
                        + " backup, or move it away to start an empty store", e);
            }
        }
        if (journal == null) {
            return; // read only, and no journal: the snapshot is all there is
        }
        long replayedTo = -1;
        byte[] magic = new byte[MAGIC.length];
        int head = (int) Math.min(size, magic.length);
        readFully(ByteBuffer.wrap(magic, 0, head), 0);
        headerSize = Arrays.equals(magic, MAGIC_V1) ? HEADER_V1 : HEADER_SIZE;
        if (size < headerSize && !tornHeader(magic, head)) {
            // Not one of ours cut short (a reset's header written in part): left as it is, not taken as new.
            throw new StorageException("cannot open " + path + ": " + journalPath + " is not a Tuna journal");
        }
        // A journal shorter than its header is new, or was cut short while being reset: nothing committed in it.
        if (size >= headerSize) {
            if (!Arrays.equals(magic, MAGIC) && !Arrays.equals(magic, MAGIC_V1)) {
                throw new StorageException("cannot open " + path + ": " + journalPath + " is not a Tuna journal");
            }
            ByteBuffer header = ByteBuffer.allocate(headerSize);
            readFully(header, 0);
            header.flip().position(magic.length);
            epoch = header.getLong();
            if (headerSize == HEADER_SIZE && header.getInt() != epochChecksum(epoch)) {
                // Every frame would fail its check against a wrong epoch, and the journal would be emptied as if
                // it held nothing: refuse instead, and leave the file as it is.
                String copy = readOnly ? "" : " (a copy is kept as " + keepCopy("header") + ")";
                throw new StorageException("cannot open " + path + ": the header of " + journalPath + " is damaged"
                        + copy + "; move the journal away to open the file without the changes it holds");
            }
            if (size > headerSize) {
                replayedTo = headerSize + replay(size);
            }
        }
        if (readOnly) {
            return; // as loaded: nothing folded, reset or made
        }
        if (replayedTo >= 0) {
            // Fold what was replayed into a new snapshot and start an empty journal of the next generation. On a
            // full disk the journal stays as it is, cut after its last commit, and the data can still be read.
            try {
                checkpoint();
            } catch (StorageException e) {
                if (journal.length() < replayedTo) {
                    throw e; // the snapshot was replaced, but emptying the journal failed half-way
                }
                journal.setLength(replayedTo);
                journalSize = replayedTo;
                snapshotFailedAt = replayedTo;
                nextCheckpointAt = 2 * replayedTo;
                LOG.warn("{}: the journal is kept, a new snapshot could not be written: {}", path, e.getMessage());
            }
        } else if (!Files.exists(path) || emptyFile) {
            checkpoint();
        } else {
            if (size < headerSize || headerSize != HEADER_SIZE) {
                resetJournal(epoch + 1); // new, or an older version's empty journal: a header of this version
            }
            journalSize = HEADER_SIZE;
            nextCheckpointAt = Math.max(minCheckpointBytes, 2 * Files.size(path));
        }
    }

    /** Whether the first {@code length} bytes of a journal are what a header written in part leaves: none, or zeros. */
    private static boolean tornHeader(byte[] start, int length) {
        boolean zeros = true;
        boolean magic = true; // both versions' magic differ only in their last byte
        for (int i = 0; i < length; i++) {
            zeros &= start[i] == 0;
            magic &= start[i] == MAGIC[i] || start[i] == MAGIC_V1[i];
        }
        return zeros || magic;
    }

    private void readSnapshot() {
        DB db = DBMaker.fileDB(path.toFile()).fileChannelEnable().readOnly().make();
        try {
            boolean checksummed = db.exists(CHECKSUMMED);
            for (Map.Entry<String, TreeMap<String, byte[]>> e : maps.entrySet()) {
                if (db.exists(e.getKey())) {
                    e.getValue().putAll(db.treeMap(e.getKey(), Serializer.STRING, Serializer.BYTE_ARRAY).open());
                }
                String checksumName = CHECKSUM_PREFIX + e.getKey();
                // A snapshot of an earlier version has no checksums (nor the mark that it has them): read as it is.
                String damage = !db.exists(checksumName) ? (checksummed ? "has lost its checksum" : null)
                        : db.atomicLong(checksumName).open().get() != entriesChecksum(e.getValue())
                        ? "does not match its checksum" : null;
                if (damage != null && !readOnly) {
                    throw new DamagedSnapshotException(e.getKey(), damage);
                } else if (damage != null) {
                    // Read only, nothing is written over it: what is left can still be read, and exported.
                    LOG.error("{}: map '{}' {}: the file is damaged; it is read as it is, to export what is left",
                            path, e.getKey(), damage);
                }
            }
        } finally {
            db.close();
        }
    }

    /**
     * The CRC32 of one map's entries in key order, lengths included: MapDB checks only its header, so a flipped byte
     * in a stored value (a finished trial's, say) would otherwise be read as if it were written so.
     */
    private static long entriesChecksum(TreeMap<String, byte[]> map) {
        CRC32 crc = new CRC32();
        ByteBuffer length = ByteBuffer.allocate(Integer.BYTES);
        for (Map.Entry<String, byte[]> entry : map.entrySet()) {
            for (byte[] part : new byte[][] {entry.getKey().getBytes(StandardCharsets.UTF_8), entry.getValue()}) {
                crc.update(length.clear().putInt(part.length).flip());
                crc.update(part);
            }
        }
        return crc.getValue();
    }

    /** A map of the snapshot whose entries do not match the checksum written with them, or that lost it. */
    private static final class DamagedSnapshotException extends RuntimeException {
        DamagedSnapshotException(String map, String damage) {
            super("map '" + map + "' " + damage);
        }
    }

    /**
     * Applies every committed group of changes; stops at the first torn or foreign frame. Returns where the last
     * committed group ends, counted from the end of the header.
     */
    private long replay(long size) throws IOException {
        if (size - headerSize > Integer.MAX_VALUE - 8) {
            throw new StorageException("cannot open " + path + ": " + journalPath + " is too large (" + size + " bytes)");
        }
        ByteBuffer all = ByteBuffer.allocate((int) (size - headerSize));
        readFully(all, headerSize);
        byte[] bytes = all.array();
        List<Runnable> group = new ArrayList<>();
        int pos = 0;
        int committedTo = 0;
        while (pos + FRAME_HEADER <= bytes.length) {
            ByteBuffer frameHeader = ByteBuffer.wrap(bytes, pos, FRAME_HEADER);
            int length = frameHeader.getInt();
            int sum = frameHeader.getInt();
            int start = pos + FRAME_HEADER;
            if (length < 1 || length > bytes.length - start || checksum(bytes, start, length) != sum) {
                break;
            }
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, start, length));
            byte op = in.readByte();
            pos = start + length;
            if (op == COMMIT) {
                group.forEach(Runnable::run);
                group.clear();
                committedTo = pos;
            } else {
                group.add(decode(op, in));
            }
        }
        if (pos < bytes.length && validFrameAfter(bytes, pos)) {
            // Not a commit torn by a crash (that is always the last thing written): damage in the middle. The
            // commits after it cannot be trusted without the ones lost, so they are not loaded, but kept.
            String kept = readOnly ? "it is left as it is (opened read-only)" : "the journal is kept as "
                    + keepCopy(String.valueOf(epoch));
            LOG.error("{} is damaged at byte {} of {}: the changes written after that point are not loaded; {}",
                    journalPath, headerSize + pos, size, kept);
        } else if (wholeFrameAt(bytes, pos)) {
            // A whole last frame that fails its check: a killed process never leaves one (its write is all there or
            // not at all), a power cut during the write or damage does. Not loaded, as a torn write, but kept.
            String kept;
            try {
                kept = readOnly ? "left as it is (opened read-only)" : "a copy is kept as " + keepCopy(epoch + "-tail");
            } catch (IOException e) {
                kept = "no copy could be kept (" + describe(e) + ")"; // a full disk, say: it opens all the same
            }
            LOG.warn("{}: its last write, at byte {} of {}, does not match its checksum and is not loaded (a power cut"
                    + " during that write, or damage); {}", journalPath, headerSize + pos, size, kept);
        }
        return committedTo;
    }

    /** Whether a frame header is at {@code pos} and gives a length that the bytes after it hold. */
    private static boolean wholeFrameAt(byte[] bytes, int pos) {
        if (pos + FRAME_HEADER > bytes.length) {
            return false;
        }
        int length = ByteBuffer.wrap(bytes, pos, FRAME_HEADER).getInt();
        return length >= 1 && length <= bytes.length - pos - FRAME_HEADER;
    }

    /** Copies the journal to {@code <journal>.damaged-<suffix>}, for a person to recover what it holds. */
    private Path keepCopy(String suffix) throws IOException {
        String name = journalPath.getFileName() + ".damaged-" + suffix;
        Path copy = journalPath.resolveSibling(name);
        for (int n = 2; Files.exists(copy); n++) {
            copy = journalPath.resolveSibling(name + "-" + n); // an earlier damage's copy is kept too
        }
        // Read from the open file: opening the journal again by its name would drop this process's lock (markAlive).
        // Forced to disk before the journal is emptied: the changes after the damage are only in the copy.
        byte[] buffer = new byte[1 << 16];
        try (java.io.FileOutputStream to = new java.io.FileOutputStream(copy.toFile())) {
            journal.seek(0);
            for (int read; (read = journal.read(buffer)) > 0; ) {
                to.write(buffer, 0, read);
            }
            to.getFD().sync();
        } catch (IOException e) {
            Files.deleteIfExists(copy); // a part of it would pass for the whole
            throw e;
        }
        syncDirectory();
        return copy;
    }

    private static int epochChecksum(long epoch) {
        CRC32 crc = new CRC32();
        crc.update(ByteBuffer.allocate(Long.BYTES).putLong(0, epoch));
        return (int) crc.getValue();
    }

    /** Whether a frame of this journal's generation starts anywhere after {@code from}. */
    private boolean validFrameAfter(byte[] bytes, int from) {
        for (int p = from + 1; p + FRAME_HEADER <= bytes.length; p++) {
            ByteBuffer frameHeader = ByteBuffer.wrap(bytes, p, FRAME_HEADER);
            int length = frameHeader.getInt();
            int sum = frameHeader.getInt();
            if (length >= 1 && length <= bytes.length - p - FRAME_HEADER
                    && checksum(bytes, p + FRAME_HEADER, length) == sum) {
                return true;
            }
        }
        return false;
    }

    private Runnable decode(byte op, DataInputStream in) throws IOException {
        String name = in.readUTF();
        TreeMap<String, byte[]> map = maps.get(name);
        if (map == null) {
            throw new StorageException("cannot open " + path + ": the journal names an unknown map '" + name + "'");
        }
        String key = in.readUTF();
        return switch (op) {
            case PUT -> {
                byte[] value = new byte[in.readInt()];
                in.readFully(value);
                yield () -> map.put(key, value);
            }
            case REMOVE -> () -> map.remove(key);
            case REMOVE_RANGE -> {
                String to = in.readUTF();
                yield () -> map.subMap(key, to).clear();
            }
            default -> throw new StorageException("cannot open " + path + ": unknown journal operation " + op);
        };
    }

    private void readFully(ByteBuffer buffer, long position) throws IOException {
        journal.seek(position);
        journal.readFully(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
        buffer.position(buffer.limit());
    }

    // ---------------------------------------------------------------- checkpoints

    private Path tmpPath() {
        return path.resolveSibling(path.getFileName() + ".tmp");
    }

    /**
     * Replaces the snapshot with the maps as they are now, then empties the journal. Call right after a commit. A
     * snapshot that fails half-written is deleted.
     */
    private void checkpoint() {
        try {
            writeSnapshot();
            resetJournal(epoch + 1);
        } catch (IOException | DBException e) {
            try {
                Files.deleteIfExists(tmpPath());
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new StorageException("cannot write a snapshot of " + path + ": " + describe(e), e);
        }
    }

    private void writeSnapshot() throws IOException {
        Path tmp = tmpPath();
        Files.deleteIfExists(tmp);
        // Written once and never changed in place: MapDB's transactions are not needed for it.
        DB db = DBMaker.fileDB(tmp.toFile()).make();
        try {
            for (Map.Entry<String, TreeMap<String, byte[]>> e : maps.entrySet()) {
                DB.TreeMapMaker<String, byte[]> maker = db.treeMap(e.getKey(), Serializer.STRING, Serializer.BYTE_ARRAY);
                if (e.getValue().isEmpty()) {
                    maker.create();
                } else {
                    // Bulk-loads the sorted entries, much faster than putting them one by one.
                    DB.TreeMapSink<String, byte[]> sink = maker.createFromSink();
                    sink.putAll(e.getValue());
                    sink.create();
                }
                db.atomicLong(CHECKSUM_PREFIX + e.getKey(), entriesChecksum(e.getValue())).create();
            }
            db.atomicLong(CHECKSUMMED, 1).create();
            db.commit();
        } finally {
            db.close();
        }
        try (RandomAccessFile file = new RandomAccessFile(tmp.toFile(), "rw")) {
            file.getFD().sync();
        }
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory();
        nextCheckpointAt = Math.max(minCheckpointBytes, 2 * Files.size(path));
    }

    private void syncDirectory() {
        Path dir = path.toAbsolutePath().getParent();
        // A thread's interrupt (a trial that ends as its timeout strikes) would close the channel and skip the sync
        // unseen, and the journal would then be emptied while the new snapshot's name might not be on disk: held back
        // until the sync is done.
        boolean interrupted = Thread.interrupted();
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some file systems cannot sync a directory; the rename still survives a process crash.
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void resetJournal(long newEpoch) throws IOException {
        journal.setLength(0);
        // Emptied: from here on its frames belong to the new generation, even if its header fails to be written now
        // (the next commit writes it first). Frames of the old epoch behind a new header would not replay.
        epoch = newEpoch;
        headerSize = HEADER_SIZE;
        journalSize = 0;
        writeHeader();
    }

    /** Writes the journal's header for {@link #epoch} over whatever it starts with, and forces it to disk. */
    private void writeHeader() throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE).put(MAGIC).putLong(epoch).putInt(epochChecksum(epoch)).flip();
        journal.seek(0);
        journal.write(header.array(), 0, header.limit());
        journal.getFD().sync();
        journalSize = HEADER_SIZE;
    }
}
