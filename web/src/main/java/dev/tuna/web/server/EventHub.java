package dev.tuna.web.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.TrialState;
import dev.tuna.core.storage.Storage;
import dev.tuna.core.storage.StudyBoundStorage;
import dev.tuna.core.storage.StudyInfo;
import dev.tuna.core.storage.StudyNotFoundException;
import dev.tuna.core.storage.TrialNotFoundException;
import io.javalin.http.sse.SseClient;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-sent events of studies' trials: {@code trial-started}, {@code trial-reported} and {@code trial-finished}.
 * Storage is the single source of truth, so the hub polls it (every {@value #POLL_MILLIS} ms, only for studies
 * someone listens to) and sends what changed since its last look; trials run by any process show up alike. Each
 * step reported since the last look gets its own {@code trial-reported} event, with the state RUNNING in which it
 * was reported; a {@code trial-started} event says RUNNING too, with no value, as the trial started.
 */
final class EventHub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventHub.class);
    static final long POLL_MILLIS = 200;
    /**
     * How often every stream gets a comment line. A client that went away is only noticed when a write to it
     * fails, and a finished study's stream has nothing else to write: without it, its socket and polling stayed.
     */
    static final long HEARTBEAT_MILLIS = 10_000;
    /**
     * How often a study whose trials have all finished (and did not change at the last look) is looked at: a look
     * reads only the trials from the first unfinished one on (none, here), but still asks the storage whether the
     * study is the same and has new trials, on PostgreSQL two queries five times a second for nothing. A resumed
     * study's first new trial shows up this much later at most.
     */
    static final long IDLE_POLL_MILLIS = 2_000;

    private final Storage storage;
    private final ObjectMapper json;
    private final Map<String, Set<SseClient>> clients = new ConcurrentHashMap<>();
    /** Per study, per trial: what was seen last (state and number of reported steps). */
    private final Map<String, Map<Integer, Seen>> seen = new ConcurrentHashMap<>();
    /** Each followed study as it was when first followed: one deleted and submitted again within a poll is another. */
    private final Map<String, StudyBoundStorage> followed = new ConcurrentHashMap<>();
    /** Studies found idle (every trial finished, nothing new) at their last look: when to look again (nanoTime). */
    private final Map<String, Long> idleUntil = new ConcurrentHashMap<>();
    /** Studies whose last look failed on the storage (logged once until a look succeeds). */
    private final Set<String> waitingForStorage = ConcurrentHashMap.newKeySet();
    /**
     * Per study, the number of its first trial not finished at the last look: the trials before it have finished,
     * never change, and are not read again (a running study of 40,000 trials was read whole five times a second,
     * from PostgreSQL with every curve).
     */
    private final Map<String, Integer> readFrom = new ConcurrentHashMap<>();
    private final ScheduledExecutorService poller;
    /**
     * Writes each client's events, in order, one client at a time per thread: a client that stops reading blocks
     * only its own writes (until the server's idle timeout fails them), not every stream's. They were all written
     * from the poller's one thread, so one stuck client stalled the events of every study for half a minute.
     */
    private final ExecutorService senders = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tuna-events-send");
        t.setDaemon(true);
        return t;
    });
    private final Map<SseClient, Outbox> outboxes = new ConcurrentHashMap<>();
    /** Events a client may have waiting before it counts as gone (it reads far slower than events come). */
    static final int MAX_WAITING = 1000;

    private record Seen(String state, int steps, int lastStep) {
    }

    EventHub(Storage storage, ObjectMapper json) {
        this.storage = storage;
        this.json = json;
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tuna-events");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::pollAll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
        poller.scheduleWithFixedDelay(this::heartbeat, HEARTBEAT_MILLIS, HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** How many clients listen to a study's events now. */
    int listeners(String study) {
        Set<SseClient> set = clients.get(study);
        return set == null ? 0 : set.size();
    }

    /** A comment to every client: a failed write closes the client, and its onClose unsubscribes it. */
    void heartbeat() {
        for (Set<SseClient> set : List.copyOf(clients.values())) {
            for (SseClient c : set) {
                outbox(c).offer(() -> c.sendComment("keep-alive"));
            }
        }
    }

    private Outbox outbox(SseClient client) {
        Outbox box = outboxes.computeIfAbsent(client, Outbox::new);
        if (client.terminated()) {
            outboxes.remove(client); // gone: its writes are skipped, and nothing is kept for it
        }
        return box;
    }

    /** One client's writes waiting their turn, run in order on a sender thread. */
    private final class Outbox {
        private final SseClient client;
        private final java.util.ArrayDeque<Runnable> waiting = new java.util.ArrayDeque<>();
        private boolean draining; // guarded by this
        private boolean dropped; // guarded by this: too far behind; closed once its current write returns

        Outbox(SseClient client) {
            this.client = client;
        }

        synchronized void offer(Runnable write) {
            if (dropped) {
                return;
            }
            if (waiting.size() >= MAX_WAITING) {
                LOG.info("an event stream reads too slowly ({} events waiting): closing it", waiting.size());
                dropped = true;
                waiting.clear();
                waiting.add(client::close);
            } else {
                waiting.add(write);
            }
            if (!draining) {
                draining = true;
                senders.execute(this::drain);
            }
        }

        private void drain() {
            while (true) {
                Runnable next;
                boolean closing;
                synchronized (this) {
                    next = waiting.poll();
                    if (next == null) {
                        draining = false;
                        return;
                    }
                    closing = dropped;
                }
                try {
                    if (!client.terminated() || closing) {
                        next.run();
                    }
                } catch (RuntimeException e) {
                    LOG.debug("event stream write failed: {}", e.toString());
                    client.close(); // its onClose unsubscribes it
                }
            }
        }
    }

    /** Sends a client the events of a study until it disconnects. */
    void subscribe(String study, SseClient client) {
        client.keepAlive();
        send(client, "subscribed", "{\"study\":" + quote(study) + "}"); // first in its outbox, so first out
        synchronized (this) {
            if (!clients.containsKey(study)) {
                // Trials already there when the first client came are not news. The study first: should it be
                // replaced between the two reads, the first poll then sees a study other than it noted.
                try {
                    StudyInfo info = storage.findStudy(study).orElseThrow(() -> new StudyNotFoundException(study));
                    followed.put(study, new StudyBoundStorage(storage, study, info.created()));
                    List<FrozenTrial> trials = storage.trials(study);
                    seen.put(study, snapshot(trials));
                    readFrom.put(study, firstUnfinished(trials, 0));
                } catch (StudyNotFoundException e) {
                    // Deleted since the route found it: the client hears so, as it would have a moment later.
                    followed.remove(study);
                    sayGone(client, study);
                    return;
                }
            }
            clients.computeIfAbsent(study, k -> new CopyOnWriteArraySet<>()).add(client);
        }
        client.onClose(() -> unsubscribe(study, client));
    }

    private synchronized void unsubscribe(String study, SseClient client) {
        outboxes.remove(client);
        Set<SseClient> set = clients.get(study);
        if (set != null) {
            set.remove(client);
            if (set.isEmpty()) {
                clients.remove(study);
                forget(study);
            }
        }
    }

    /** Drops what was noted of a study that no client follows any more. */
    private void forget(String study) {
        waitingForStorage.remove(study);
        seen.remove(study);
        followed.remove(study);
        idleUntil.remove(study);
        readFrom.remove(study);
    }

    /** The number of the first trial of {@code trials} (numbered from {@code from} on) not finished, or the next one. */
    private static int firstUnfinished(List<FrozenTrial> trials, int from) {
        for (FrozenTrial t : trials) {
            if (!t.isFinished()) {
                return t.number();
            }
        }
        return from + trials.size();
    }

    private static Map<Integer, Seen> snapshot(List<FrozenTrial> trials) {
        Map<Integer, Seen> m = new HashMap<>();
        trials.forEach(t -> m.put(t.number(), seen(t)));
        return m;
    }

    private static Seen seen(FrozenTrial t) {
        int steps = t.intermediateValues().size();
        for (var curve : t.metrics().values()) {
            steps += curve.size();
        }
        return new Seen(t.state().name(), steps, t.lastStep());
    }

    private void pollAll() {
        for (String study : List.copyOf(clients.keySet())) {
            Long idle = idleUntil.get(study);
            if (idle != null && System.nanoTime() - idle < 0) {
                continue;
            }
            try {
                poll(study);
                if (waitingForStorage.remove(study)) {
                    LOG.info("events of study '{}': the storage answers again", study);
                }
            } catch (StudyNotFoundException | TrialNotFoundException e) {
                // Deleted (or deleted and made again): tell its clients and let them go.
                LOG.debug("events of study '{}': {}", study, e.toString());
                Set<SseClient> set;
                synchronized (this) { // against a subscribe in between, whose entries this would wipe
                    set = clients.remove(study);
                    forget(study);
                }
                if (set != null) {
                    set.forEach(c -> sayGone(c, study));
                }
            } catch (RuntimeException e) {
                // The storage failed (a database out of reach): the clients stay, and hear what changed once it
                // answers again. Told they were gone, the pages said the study was deleted and stopped updating.
                synchronized (this) { // not for a study whose last client left meanwhile (unsubscribe forgot it)
                    if (clients.containsKey(study)) {
                        if (waitingForStorage.add(study)) {
                            LOG.warn("events of study '{}' wait for the storage: {}", study, e.getMessage());
                        }
                        idleUntil.put(study, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(IDLE_POLL_MILLIS));
                    }
                }
            }
        }
    }

    private void poll(String study) {
        Set<SseClient> set = clients.get(study);
        Map<Integer, Seen> before = seen.get(study);
        if (set == null || before == null) {
            return;
        }
        StudyBoundStorage same = followed.get(study);
        if (same != null && !same.current()) {
            // Deleted, or deleted and submitted again: the new study's trials (numbered from 0 again) are not these.
            throw new StudyNotFoundException(study);
        }
        boolean changed = false;
        int from = readFrom.getOrDefault(study, 0);
        List<FrozenTrial> trials = storage.trialsFrom(study, from);
        int next = firstUnfinished(trials, from);
        boolean unfinished = next < from + trials.size();
        for (FrozenTrial t : trials) {
            Seen now = seen(t);
            Seen was = before.put(t.number(), now);
            if (now.equals(was)) {
                continue;
            }
            changed = true;
            if (was == null || (was.state().equals("WAITING") && !now.state().equals("WAITING"))) {
                Map<String, Object> started = event(study, t, false);
                if (!now.state().equals("WAITING")) {
                    // As it started, though it may have finished since the last look (its end has an event of its own).
                    started.put("state", TrialState.RUNNING.name());
                    started.put("value", null);
                    started.put("reason", null);
                }
                broadcast(set, "trial-started", started);
            }
            if (was == null ? now.steps() > 0 : now.steps() != was.steps()) {
                // One event per step reported since the last poll, each as it was reported (while the trial ran):
                // a trial reports several epochs between two polls, and one event for the last of them left gaps in
                // a client's curves.
                var reported = t.intermediateValues().tailMap(was == null ? Integer.MIN_VALUE : was.lastStep(), false);
                if (t.intermediateValues().isEmpty()) {
                    reported = new java.util.TreeMap<>(java.util.Collections.singletonMap(-1, null)); // metrics alone
                }
                for (Map.Entry<Integer, Double> step : reported.entrySet()) {
                    Map<String, Object> m = event(study, t, true);
                    m.put("state", TrialState.RUNNING.name());
                    m.put("step", step.getKey());
                    m.put("value", step.getValue());
                    broadcast(set, "trial-reported", m);
                }
            }
            if (t.isFinished()) {
                broadcast(set, "trial-finished", event(study, t, false));
            }
        }
        readFrom.put(study, next);
        if (changed || unfinished) {
            idleUntil.remove(study);
        } else {
            idleUntil.put(study, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(IDLE_POLL_MILLIS));
        }
    }

    private Map<String, Object> event(String study, FrozenTrial t, boolean report) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("study", study);
        m.put("number", t.number());
        m.put("state", t.state().name());
        if (report) {
            m.put("step", t.lastStep());
            m.put("value", t.lastIntermediateValue());
        } else {
            m.put("value", t.value());
            m.put("reason", t.reason());
        }
        return m;
    }

    private void broadcast(Set<SseClient> set, String name, Map<String, Object> data) {
        String text;
        try {
            text = json.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        set.forEach(c -> send(c, name, text));
    }

    private void send(SseClient client, String name, String data) {
        outbox(client).offer(() -> client.sendEvent(name, data));
    }

    /** Tells a client its study is gone, then closes it (and forgets its outbox: no onClose does it then). */
    private void sayGone(SseClient client, String study) {
        send(client, "study-gone", "{\"study\":" + quote(study) + "}");
        outbox(client).offer(() -> {
            outboxes.remove(client);
            client.close();
        });
    }

    private String quote(String s) {
        try {
            return json.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
        senders.shutdownNow();
        clients.values().forEach(set -> set.forEach(SseClient::close));
        clients.clear();
        outboxes.clear();
    }
}
