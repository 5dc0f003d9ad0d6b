package dev.tuna.web.server;

import dev.tuna.core.FrozenTrial;
import dev.tuna.core.storage.StudyInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Each study's parameter importance as last computed. A forest's fit takes milliseconds on a small study and
 * seconds on a wide one (2,000 trials of 200 parameters: about 6 s), and the study page asks at each of its updates,
 * so a result is computed again only once the completed trials changed and at least {@value #REST_FACTOR} times as
 * long as it took has passed since (at most a tenth of the time goes into importance, however fast trials complete);
 * one computation runs per study at a time, its callers meanwhile answered with the last result, or waiting for
 * this one where there is none. A wide study kept the server busy for minutes with requests queued behind each
 * other (and behind those of other studies, whose entries shared a lock of the map).
 */
final class ImportanceCache {
    /** How many times as long as a result took to compute it is kept while trials complete. */
    static final int REST_FACTOR = 10;

    private record Result(long completed, Instant created, Map<String, Double> shares, long at, long took) {
    }

    /** One study's last result and the computation under way, if any. */
    private static final class Entry {
        Result last;
        CompletableFuture<Result> computing;
    }

    private final Function<List<FrozenTrial>, Map<String, Double>> compute;
    private final LongSupplier nanoClock;
    private final Map<String, Entry> studies = new ConcurrentHashMap<>();

    ImportanceCache() {
        this(ParameterImportance::of, System::nanoTime);
    }

    ImportanceCache(Function<List<FrozenTrial>, Map<String, Double>> compute, LongSupplier nanoClock) {
        this.compute = compute;
        this.nanoClock = nanoClock;
    }

    /** The importance of the study's parameters, from its {@code trials} of which {@code completed} completed. */
    Map<String, Double> get(StudyInfo info, List<FrozenTrial> trials, long completed) {
        Entry entry = studies.computeIfAbsent(info.name(), name -> new Entry());
        CompletableFuture<Result> waitFor;
        synchronized (entry) {
            Result last = entry.last != null && entry.last.created().equals(info.created()) ? entry.last : null;
            if (last != null && (last.completed() == completed || nanoClock.getAsLong() - last.at() < REST_FACTOR * last.took())) {
                return last.shares();
            }
            if (entry.computing == null) {
                entry.computing = new CompletableFuture<>();
                waitFor = null;
            } else if (last != null) {
                return last.shares(); // another caller computes the new one
            } else {
                waitFor = entry.computing;
            }
        }
        if (waitFor != null) {
            Result theirs = join(waitFor);
            // Theirs may be of the study this name had before it was deleted and made again.
            return theirs.created().equals(info.created()) ? theirs.shares() : compute.apply(trials);
        }
        Result mine;
        long start = nanoClock.getAsLong();
        try {
            Map<String, Double> shares = compute.apply(trials);
            long end = nanoClock.getAsLong();
            mine = new Result(completed, info.created(), shares, end, end - start);
        } catch (RuntimeException | Error e) {
            CompletableFuture<Result> failed;
            synchronized (entry) {
                failed = entry.computing;
                entry.computing = null;
            }
            failed.completeExceptionally(e);
            throw e;
        }
        CompletableFuture<Result> done;
        synchronized (entry) {
            entry.last = mine;
            done = entry.computing;
            entry.computing = null;
        }
        done.complete(mine);
        return mine.shares();
    }

    /** Drops what is kept of a study (deleted). */
    void forget(String study) {
        studies.remove(study);
    }

    private static Result join(CompletableFuture<Result> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
