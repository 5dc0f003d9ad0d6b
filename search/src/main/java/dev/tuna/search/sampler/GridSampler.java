package dev.tuna.search.sampler;

import dev.tuna.core.Distribution;
import dev.tuna.core.FrozenTrial;
import dev.tuna.core.InvalidParameterException;
import dev.tuna.core.storage.Storage;
import dev.tuna.search.Sampler;
import dev.tuna.search.Study;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exhaustive search: every combination of the given values, each run once, after which the study starts no more
 * trials ({@link #isExhausted}). Without a seed the points are visited in lexicographic order (the first parameter
 * varies slowest); with a seed, in a shuffled order fixed by the seed. The parameters are taken in the grid map's
 * order where it has one of its own (a {@link LinkedHashMap}, a {@link SortedMap}, a spec's grid), else by name:
 * {@code Map.of} and {@code HashMap} iterate in an order that can change from one run of the JVM to the next.
 *
 * <p>Each trial is given the first point, in visit order, not yet taken by any trial of the study. The point is
 * recorded on the trial, its values as the system attribute {@value #ATTR_GRID_POINT} and its index as
 * {@value #ATTR_GRID_ID}, so taken points are known from storage: a study resumed in another process goes on where
 * it stopped, and a point whose values a trial already ran is not run again after the grid was given another order
 * or more values. Trials interrupted by a crash free their point, which runs again; trials that failed otherwise
 * keep theirs (as in Optuna).
 *
 * <p>An enqueued trial whose fixed parameters name a point of the grid takes that point; one that fixes only some
 * grid parameters takes the first free point with those values. When no free point has them (or they are off the
 * grid), the trial runs them with the first free point's other values and takes no point, so that every point
 * still runs once.
 *
 * <p>The objective must suggest grid parameters with distributions that contain their grid values, and may not
 * suggest parameters outside the grid; either mistake fails the trial with a message naming the parameter.
 */
public final class GridSampler implements Sampler {
    private static final Logger LOG = LoggerFactory.getLogger(GridSampler.class);

    /** The system attribute that holds a trial's grid point index (lexicographic, whatever the visit order). */
    public static final String ATTR_GRID_ID = "grid_id";
    /** The system attribute that holds a trial's grid point, as parameter name to value: what says which it took. */
    public static final String ATTR_GRID_POINT = "grid_point";

    private final List<String> names;
    private final List<List<Object>> values;
    /** The names in the map's own iteration order, in which trials recorded before {@value #ATTR_GRID_POINT} count. */
    private final List<String> givenOrder;
    private final int size;
    private final Long seed;
    /** The grid index visited at each position, and each index's position; both null for lexicographic order. */
    private final int[] order;
    private final int[] position;

    // The in-memory record of the last storage scan, reused when nothing can have changed since (guarded by this).
    private Storage scannedStorage;
    private String scannedStudy;
    private int scannedTrials = -1;
    private BitSet scannedTaken;

    /** Visits every point of the grid in lexicographic order. */
    public GridSampler(Map<String, ? extends List<?>> grid) {
        this(grid, null);
    }

    /** Visits every point of the grid in an order shuffled by {@code seed}. */
    public GridSampler(Map<String, ? extends List<?>> grid, long seed) {
        this(grid, Long.valueOf(seed));
    }

    private GridSampler(Map<String, ? extends List<?>> grid, Long seed) {
        if (grid == null || grid.isEmpty()) {
            throw new IllegalArgumentException("the grid must name at least one parameter");
        }
        List<String> n = new ArrayList<>();
        List<List<Object>> v = new ArrayList<>();
        long points = 1;
        List<String> ordered = new ArrayList<>(grid.keySet());
        this.givenOrder = List.copyOf(ordered.stream().filter(Objects::nonNull).toList());
        if (!(grid instanceof LinkedHashMap || grid instanceof SortedMap)) {
            ordered.sort(java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()));
        }
        for (String name : ordered) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("the grid has a parameter without a name");
            }
            List<Object> checked = checkedValues(name, grid.get(name));
            n.add(name);
            v.add(checked);
            points *= checked.size();
            if (points > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("the grid has more than " + Integer.MAX_VALUE + " points");
            }
        }
        this.names = List.copyOf(n);
        this.values = List.copyOf(v);
        this.size = (int) points;
        this.seed = seed;
        if (seed == null) {
            this.order = null;
            this.position = null;
        } else {
            this.order = new int[size];
            this.position = new int[size];
            for (int i = 0; i < size; i++) {
                order[i] = i;
            }
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = size - 1; i > 0; i--) { // Fisher-Yates
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int p = 0; p < size; p++) {
                position[order[p]] = p;
            }
        }
    }

    private static List<Object> checkedValues(String name, List<?> list) {
        if (list == null || list.isEmpty()) {
            throw new InvalidParameterException(name, "the grid gives no values");
        }
        Set<Object> seen = new HashSet<>();
        for (Object value : list) {
            if (!(value instanceof String || value instanceof Boolean || value instanceof Number)) {
                throw new InvalidParameterException(name, "grid values must be strings, numbers or booleans, got "
                        + (value == null ? "null" : value.getClass().getSimpleName() + " " + value));
            }
            if (value instanceof Number num && !Double.isFinite(num.doubleValue())) {
                throw new InvalidParameterException(name, "grid values must be finite numbers, got " + value);
            }
            // 1 and 1.0 are the same point for a numeric parameter.
            if (!seen.add(value instanceof Number num ? (Object) numeric(num) : value)) {
                throw new InvalidParameterException(name, "the grid gives the value " + value + " twice");
            }
        }
        return List.copyOf(list);
    }

    /** The number of points in the grid. */
    public int size() {
        return size;
    }

    /** The parameter names of the grid, in its order. */
    public List<String> parameterNames() {
        return names;
    }

    /** A grid parameter's values, in the grid's order. */
    public List<Object> values(String name) {
        int k = names.indexOf(name);
        if (k < 0) {
            throw new IllegalArgumentException("parameter '" + name + "' is not in the grid");
        }
        return values.get(k);
    }

    /**
     * Whether a grid parameter has this value on some point of the grid (numbers compared by value); true for a
     * parameter outside the grid. An enqueued trial with a value on no point runs it and takes no point.
     */
    public boolean onGrid(String name, Object value) {
        int k = names.indexOf(name);
        return k < 0 || indexOf(values.get(k), value) >= 0;
    }

    /** The point of a grid index (lexicographic: the first parameter varies slowest), as name to value. */
    public Map<String, Object> point(int gridId) {
        if (gridId < 0 || gridId >= size) {
            throw new IndexOutOfBoundsException("grid index " + gridId + " is outside [0, " + size + ")");
        }
        return Collections.unmodifiableMap(decode(gridId, names));
    }

    /** The point of a lexicographic index over the parameters in {@code order} (the last varies fastest). */
    private Map<String, Object> decode(int gridId, List<String> order) {
        Object[] chosen = new Object[order.size()];
        int rest = gridId;
        for (int k = order.size() - 1; k >= 0; k--) {
            List<Object> vs = values.get(names.indexOf(order.get(k)));
            chosen[k] = vs.get(rest % vs.size());
            rest /= vs.size();
        }
        Map<String, Object> point = new LinkedHashMap<>();
        for (int k = 0; k < chosen.length; k++) {
            point.put(order.get(k), chosen[k]);
        }
        return point;
    }

    @Override
    public synchronized boolean isExhausted(Study study) {
        return scan(study, -1).cardinality() >= size;
    }

    @Override
    public synchronized Map<String, Object> sampleRelative(Study study, FrozenTrial trial) {
        // The scan isExhausted just made is still exact if no trial was started since, other than this one.
        BitSet taken = study.storage() == scannedStorage && study.name().equals(scannedStudy)
                && trial.number() == scannedTrials ? scannedTaken : scan(study, trial.number());
        Map<String, Object> fixed = trial.fixedParams();
        int gridId = gridIdOf(fixed);
        boolean takesPoint = true;
        if (gridId < 0) {
            int p = firstFreeWith(taken, fixed);
            if (p < 0) {
                // The enqueued values are on no free point: the trial runs them with the first free point's other
                // values, and that point stays free, so that it still runs.
                takesPoint = fixed.isEmpty();
                p = taken.nextClearBit(0);
            }
            if (p >= size) {
                // Another writer on the same study, or a trial enqueued after the grid was used up: a point runs
                // again.
                p = 0;
                if (fixed.isEmpty()) {
                    LOG.warn("study '{}': every grid point is taken; trial {} runs grid point {} again",
                            study.name(), trial.number(), order == null ? p : order[p]);
                }
            }
            gridId = order == null ? p : order[p];
        }
        if (takesPoint) {
            study.storage().setSystemAttrs(study.name(), trial.number(), Map.of(ATTR_GRID_ID, gridId, ATTR_GRID_POINT,
                    point(gridId)));
            taken.set(position(gridId));
        }
        scannedTaken = taken;
        scannedTrials = Math.max(scannedTrials, trial.number() + 1);
        return point(gridId);
    }

    /**
     * The first free position, in visit order, whose point has the grid parameters among {@code fixed} at their
     * fixed values; -1 if there is none.
     */
    private int firstFreeWith(BitSet taken, Map<String, Object> fixed) {
        int[] wanted = new int[names.size()]; // per grid parameter: the index of its fixed value, or -1 if not fixed
        for (int k = 0; k < wanted.length; k++) {
            wanted[k] = fixed.containsKey(names.get(k)) ? indexOf(values.get(k), fixed.get(names.get(k))) : -1;
            if (fixed.containsKey(names.get(k)) && wanted[k] < 0) {
                return -1; // a value off the grid: no point has it
            }
        }
        for (int p = taken.nextClearBit(0); p < size; p = taken.nextClearBit(p + 1)) {
            int rest = order == null ? p : order[p];
            boolean agrees = true;
            for (int k = names.size() - 1; k >= 0 && agrees; k--) {
                int i = rest % values.get(k).size();
                rest /= values.get(k).size();
                agrees = wanted[k] < 0 || wanted[k] == i;
            }
            if (agrees) {
                return p;
            }
        }
        return -1;
    }

    /**
     * The grid index of these values (an enqueued trial's fixed parameters, a trial's recorded point), if they name
     * every grid parameter with a grid value; else -1.
     */
    private int gridIdOf(Map<?, ?> point) {
        if (point.isEmpty() || !point.keySet().containsAll(names)) {
            return -1;
        }
        int gridId = 0;
        for (int k = 0; k < names.size(); k++) {
            int i = indexOf(values.get(k), point.get(names.get(k)));
            if (i < 0) {
                return -1;
            }
            gridId = gridId * values.get(k).size() + i;
        }
        return gridId;
    }

    /**
     * A number as stored attributes hold it: a float by its shortest decimal (0.1f is 0.1 there, not
     * 0.10000000149011612), so that a grid of floats knows its recorded points.
     */
    private static double numeric(Number n) {
        return n instanceof Float f && Float.isFinite(f) ? Double.parseDouble(Float.toString(f)) : n.doubleValue();
    }

    private static int indexOf(List<Object> vs, Object value) {
        for (int i = 0; i < vs.size(); i++) {
            Object v = vs.get(i);
            if (v.equals(value) || (v instanceof Number a && value instanceof Number b && numeric(a) == numeric(b))) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The visit positions taken by the study's trials, other than {@code exceptNumber}, read from storage; it is
     * kept as the in-memory record for the next {@link #sampleRelative}.
     */
    private BitSet scan(Study study, int exceptNumber) {
        List<FrozenTrial> trials = study.trials();
        BitSet taken = new BitSet(size);
        for (FrozenTrial t : trials) {
            if (t.number() == exceptNumber || t.wasInterrupted()) {
                continue; // an interrupted trial's point is free to run again
            }
            int id = gridIdOf(t);
            if (id >= 0) {
                taken.set(position(id));
            } else if (t.systemAttrs().containsKey(ATTR_GRID_POINT) || t.systemAttrs().containsKey(ATTR_GRID_ID)) {
                LOG.warn("study '{}': trial {} ran grid point {}, which this grid of {} points does not have; was the grid"
                        + " changed?", study.name(), t.number(), t.systemAttrs().getOrDefault(ATTR_GRID_POINT,
                        t.systemAttrs().get(ATTR_GRID_ID)), size);
            }
        }
        scannedStorage = study.storage();
        scannedStudy = study.name();
        scannedTrials = trials.size();
        scannedTaken = taken;
        return taken;
    }

    /**
     * The index in this grid of the point a trial took: by its recorded values, or by its index where it has none
     * (trials recorded before the values were); -1 if it took none or one this grid does not have.
     */
    private int gridIdOf(FrozenTrial trial) {
        if (trial.systemAttrs().get(ATTR_GRID_POINT) instanceof Map<?, ?> point) {
            return gridIdOf(point);
        }
        if (!(trial.systemAttrs().get(ATTR_GRID_ID) instanceof Number n) || n.intValue() < 0 || n.intValue() >= size) {
            return -1;
        }
        // Recorded before the points' values were: by the values it ran, where it has them all (they hold whatever
        // order the grid had then, and a grid edited since); else by its index in the map's iteration order (a HashMap
        // of strings iterates alike from run to run; the names are sorted now).
        if (trial.params().keySet().containsAll(names)) {
            return gridIdOf(trial.params());
        }
        return gridIdOf(decode(n.intValue(), givenOrder));
    }

    private int position(int gridId) {
        return position == null ? gridId : position[gridId];
    }

    /**
     * Called only when the trial's grid value does not fit the suggested distribution (or the name is not in the
     * grid): it reports the mistake, naming the parameter.
     */
    @Override
    public Object sampleIndependent(Study study, FrozenTrial trial, String name, Distribution distribution) {
        int k = names.indexOf(name);
        if (k < 0) {
            throw new InvalidParameterException(name, "not in the grid (the grid has " + names + ")");
        }
        int id = gridIdOf(trial);
        if (id < 0) {
            throw new InvalidParameterException(name, "trial " + trial.number() + " has no grid point");
        }
        Object value = point(id).get(name);
        try {
            distribution.toInternal(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidParameterException(name, "the grid value " + value + " is outside the suggested " + distribution);
        }
        return value;
    }

    @Override
    public String toString() {
        Map<String, List<Object>> grid = new LinkedHashMap<>();
        for (int k = 0; k < names.size(); k++) {
            grid.put(names.get(k), values.get(k));
        }
        return "GridSampler(" + grid + (seed != null ? ", seed=" + seed : "") + ")";
    }
}
