package dev.tuna.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DistributionTest {

    private static final FloatDistribution FLOAT = new FloatDistribution(-2, 6);
    private static final FloatDistribution LOG_FLOAT = new FloatDistribution(1e-5, 1e-1, true, null);
    private static final FloatDistribution STEP_FLOAT = new FloatDistribution(0, 1, false, 0.25);
    private static final IntDistribution INT = new IntDistribution(-3, 7);
    private static final IntDistribution LOG_INT = new IntDistribution(1, 100, true, 1);
    private static final IntDistribution STEP_INT = new IntDistribution(0, 20, false, 5);
    private static final CategoricalDistribution CATEGORICAL = CategoricalDistribution.of(List.of("adam", 1, 2.5, true));

    /** A fine sweep of the unit interval: u = i / SWEEP for i in [0, SWEEP). */
    private static final int SWEEP = 100_000;

    // ------------------------------------------------------------ validation

    static Stream<Arguments> invalidDistributions() {
        return Stream.of(
                invalid("float low > high", () -> new FloatDistribution(2, 1), "low (2.0) must not be greater than high (1.0)"),
                invalid("float width overflows", () -> new FloatDistribution(-Double.MAX_VALUE, Double.MAX_VALUE),
                        "high - low must be a finite number, got [-1.7976931348623157E308, 1.7976931348623157E308]"),
                invalid("float NaN bound", () -> new FloatDistribution(Double.NaN, 1), "finite"),
                invalid("float infinite bound", () -> new FloatDistribution(0, Double.POSITIVE_INFINITY), "finite"),
                invalid("float log with low 0", () -> new FloatDistribution(0, 1, true, null), "log scale needs low > 0"),
                invalid("float log with low < 0", () -> new FloatDistribution(-1, 1, true, null), "log scale needs low > 0"),
                invalid("float step not dividing", () -> new FloatDistribution(0, 1, false, 0.3), "step (0.3) does not divide the range [0.0, 1.0]"),
                invalid("float step too fine", () -> new FloatDistribution(0, 1, false, 1e-19),
                        "step (1.0E-19) is too small for the range [0.0, 1.0]: more than 1e15 steps; leave it out for a continuous range"),
                invalid("float step zero", () -> new FloatDistribution(0, 1, false, 0.0), "step must be positive"),
                invalid("float step negative", () -> new FloatDistribution(0, 1, false, -0.5), "step must be positive"),
                invalid("float step with log", () -> new FloatDistribution(1, 10, true, 1.0), "step cannot be combined with a log scale"),
                invalid("int low > high", () -> new IntDistribution(6, 5), "low (6) must not be greater than high (5)"),
                invalid("int log with low 0", () -> new IntDistribution(0, 10, true, 1), "log scale needs low > 0"),
                invalid("int step not dividing", () -> new IntDistribution(0, 10, false, 3), "step (3) does not divide the range [0, 10]"),
                invalid("int step zero", () -> new IntDistribution(0, 10, false, 0), "step must be positive"),
                invalid("int step with log", () -> new IntDistribution(1, 16, true, 3), "step cannot be combined with a log scale"),
                invalid("categorical null", () -> CategoricalDistribution.of(null), "choices must not be empty"),
                invalid("categorical empty", () -> CategoricalDistribution.of(List.of()), "choices must not be empty"),
                invalid("categorical duplicate string", () -> CategoricalDistribution.of(List.of("a", "b", "a")), "duplicate choice a"),
                invalid("categorical 1 and 1L", () -> CategoricalDistribution.of(List.of(1, 1L)), "duplicate choice 1"),
                invalid("categorical 1 and 1.0", () -> CategoricalDistribution.of(List.of(1, 1.0)), "duplicate choice 1.0"),
                invalid("categorical 1L and 1.0f", () -> CategoricalDistribution.of(List.of(1L, 1.0f)), "duplicate choice 1.0"),
                invalid("categorical duplicate boolean", () -> CategoricalDistribution.of(List.of(true, "x", true)), "duplicate choice true"),
                invalid("categorical null choice", () -> CategoricalDistribution.of(Arrays.asList("a", null)), "strings, numbers or booleans, got null"),
                invalid("categorical object choice", () -> CategoricalDistribution.of(List.of("a", new Object())), "strings, numbers or booleans, got Object"),
                invalid("categorical list choice", () -> CategoricalDistribution.of(List.of(List.of(1))), "strings, numbers or booleans, got"),
                invalid("categorical NaN choice", () -> CategoricalDistribution.of(List.of(1.0, Double.NaN)), "finite"));
    }

    private static Arguments invalid(String name, Supplier<Distribution> builder, String problem) {
        return Arguments.of(name, builder, problem);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidDistributions")
    void anInvalidDistributionIsRejectedWithItsProblem(String name, Supplier<Distribution> builder, String problem) {
        assertThatIllegalArgumentException()
                .isThrownBy(builder::get)
                .withMessageContaining(problem)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidDistributions")
    void validatedNamesTheParameter(String name, Supplier<Distribution> builder, String problem) {
        assertThatExceptionOfType(InvalidParameterException.class)
                .isThrownBy(() -> Distribution.validated("lr", builder))
                .withMessageStartingWith("parameter 'lr': ")
                .withMessageContaining(problem)
                .satisfies(e -> {
                    assertThat(e.parameter()).isEqualTo("lr");
                    assertThat(e.problem()).contains(problem);
                });
    }

    @Test
    void floatChoicesAreTheDecimalsTheyWereWrittenAs() {
        // 0.001f was stored as 0.0010000000474974513: an enqueued or grid value 0.001 matched no choice.
        CategoricalDistribution lr = CategoricalDistribution.of(List.of(0.001f, 0.01f));
        assertThat(lr.choices()).containsExactly(0.001, 0.01);
        assertThat(lr.indexOf(0.001)).isZero();
        assertThat(lr.indexOf(0.01f)).isEqualTo(1);
    }

    @Test
    void negativeZeroIsZero() {
        assertThat(new FloatDistribution(-0.0, 1)).isEqualTo(new FloatDistribution(0.0, 1));
        assertThat(new FloatDistribution(-1, -0.0).high()).isEqualTo(0.0);
    }

    @Test
    void validatedReturnsAValidDistributionAndPassesAnotherParametersErrorThrough() {
        assertThat(Distribution.validated("lr", () -> LOG_FLOAT)).isSameAs(LOG_FLOAT);

        InvalidParameterException inner = new InvalidParameterException("units", "must be even");
        assertThatThrownBy(() -> Distribution.validated("lr", () -> {
            throw inner;
        })).isSameAs(inner);
    }

    @Test
    void validRangesThatLookCloseToInvalidAreAccepted() {
        // A step that divides the range only up to rounding (0.1 is not exact in binary).
        assertThat(new FloatDistribution(0, 1, false, 0.1).step()).isEqualTo(0.1);
        assertThat(new FloatDistribution(0.1, 0.7, false, 0.2).step()).isEqualTo(0.2);
        assertThat(new IntDistribution(1, 2, true, 1).log()).isTrue();
        assertThat(new IntDistribution(Integer.MIN_VALUE, Integer.MAX_VALUE).high()).isEqualTo(Integer.MAX_VALUE);
        assertThat(CategoricalDistribution.of(List.of("1", 1, "true", true)).choices()).hasSize(4);
        // Far from zero, rounding to the range's magnitude is most of a step: the range was refused, or the values its
        // samplers drew (low + k step) were not on its steps.
        assertThat(new FloatDistribution(1e6, 1e6 + 1000 * 1e-6, false, 1e-6).step()).isEqualTo(1e-6);
        FloatDistribution far = new FloatDistribution(1e10, 1e10 + 1, false, 0.1);
        for (int i = 0; i < 1000; i++) {
            Object drawn = far.fromUnit(i / 1000.0);
            assertThat(far.containsInternal(far.toInternal(drawn))).as("%s", drawn).isTrue();
        }
        assertThat(far.containsInternal(1e10 + 0.05)).as("half a step off").isFalse();
    }

    @Test
    void categoricalChoicesAreNormalized() {
        CategoricalDistribution d = CategoricalDistribution.of(List.of(1L, 3_000_000_000L, 2.5f, (short) 4, (byte) 5, "x", false));

        assertThat(d.choices()).containsExactly(1, 3_000_000_000L, 2.5, 4, 5, "x", false);
        assertThat(d.choices().get(0)).isInstanceOf(Integer.class);
        assertThat(d.choices().get(1)).isInstanceOf(Long.class);
        assertThat(d.choices().get(2)).isInstanceOf(Double.class);
        assertThat(d).isEqualTo(CategoricalDistribution.of(List.of(1, 3_000_000_000L, 2.5, 4, 5, "x", false)));
        assertThatThrownBy(() -> d.choices().add("y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void categoricalNumbersAreOneChoiceByTheirExactValue() {
        // Compared as doubles, 2^53 and 2^53 + 1 were one choice (refused as a duplicate), and 2^53 + 1 found 2^53.
        CategoricalDistribution big = CategoricalDistribution.of(List.of(9_007_199_254_740_992L, 9_007_199_254_740_993L));
        assertThat(big.indexOf(9_007_199_254_740_993L)).isEqualTo(1);
        assertThat(big.indexOf(9_007_199_254_740_992L)).isZero();
        // The same number in two types is still one choice, whatever its trailing zeros.
        assertThat(CategoricalDistribution.of(List.of(100, 2.5)).indexOf(100.0)).isZero();
        assertThat(CategoricalDistribution.of(List.of(100.0, 2.5)).indexOf(100L)).isZero();
        assertThatThrownBy(() -> CategoricalDistribution.of(List.of(100, 100.0))).hasMessage("duplicate choice 100.0");
    }

    @Test
    void categoricalDoesNotFollowTheCallersList() {
        List<Object> choices = new ArrayList<>(List.of("a", "b"));
        CategoricalDistribution d = CategoricalDistribution.of(choices);
        choices.add("c");

        assertThat(d.choices()).containsExactly("a", "b");
    }

    // ---------------------------------------------------- internal and external

    @Test
    void floatValuesAreTheirOwnInternalForm() {
        for (double v : new double[] {-2, -0.5, 0, 3.25, 6}) {
            assertThat(FLOAT.toInternal(v)).isEqualTo(v);
            assertThat(FLOAT.toExternal(FLOAT.toInternal(v))).isEqualTo(v);
        }
        assertThat(FLOAT.toInternal(3)).isEqualTo(3.0);
        assertThat(FLOAT.toInternal(3L)).isEqualTo(3.0);
        assertThat(LOG_FLOAT.toExternal(LOG_FLOAT.toInternal(1e-3))).isEqualTo(1e-3);
        assertThat(STEP_FLOAT.toExternal(STEP_FLOAT.toInternal(0.75))).isEqualTo(0.75);

        assertThatIllegalArgumentException().isThrownBy(() -> FLOAT.toInternal(6.5)).withMessageContaining("6.5 is outside float[-2.0, 6.0]");
        assertThatIllegalArgumentException().isThrownBy(() -> STEP_FLOAT.toInternal(0.3)).withMessageContaining("outside");
        assertThatIllegalArgumentException().isThrownBy(() -> LOG_FLOAT.toInternal(0.0)).withMessageContaining("outside");
        assertThatIllegalArgumentException().isThrownBy(() -> FLOAT.toInternal("1")).withMessageContaining("expected a number, got String 1");
        assertThatIllegalArgumentException().isThrownBy(() -> FLOAT.toInternal(null)).withMessageContaining("got null");
    }

    @Test
    void intValuesRoundTripAsIntegers() {
        for (IntDistribution d : List.of(INT, LOG_INT, STEP_INT)) {
            for (int v = d.low(); v <= d.high(); v += d.step()) {
                assertThat(d.toInternal(v)).isEqualTo((double) v);
                assertThat(d.toExternal(d.toInternal(v))).isInstanceOf(Integer.class).isEqualTo(v);
            }
        }
        assertThat(INT.toInternal(3L)).isEqualTo(3.0);
        assertThat(INT.toInternal(3.0)).isEqualTo(3.0);

        assertThatIllegalArgumentException().isThrownBy(() -> INT.toInternal(2.5)).withMessageContaining("expected an integer, got Double 2.5");
        assertThatIllegalArgumentException().isThrownBy(() -> INT.toInternal("3")).withMessageContaining("expected an integer");
        assertThatIllegalArgumentException().isThrownBy(() -> INT.toInternal(8)).withMessageContaining("8 is outside int[-3, 7]");
        assertThatIllegalArgumentException().isThrownBy(() -> STEP_INT.toInternal(7)).withMessageContaining("7 is outside int[0, 20] step 5");
    }

    @Test
    void categoricalValuesAreTheirIndex() {
        List<Object> choices = CATEGORICAL.choices();
        for (int i = 0; i < choices.size(); i++) {
            assertThat(CATEGORICAL.toInternal(choices.get(i))).isEqualTo(i);
            assertThat(CATEGORICAL.toExternal(i)).isEqualTo(choices.get(i));
            assertThat(CATEGORICAL.indexOf(choices.get(i))).isEqualTo(i);
        }
        // Numbers match by value, whatever their type.
        assertThat(CATEGORICAL.toInternal(1L)).isEqualTo(1.0);
        assertThat(CATEGORICAL.toInternal(1.0)).isEqualTo(1.0);
        assertThat(CATEGORICAL.toInternal(2.5f)).isEqualTo(2.0);
        assertThat(CATEGORICAL.toExternal(1.0)).isInstanceOf(Integer.class);

        assertThat(CATEGORICAL.indexOf("sgd")).isEqualTo(-1);
        assertThat(CATEGORICAL.indexOf("true")).isEqualTo(-1);
        assertThat(CATEGORICAL.indexOf(null)).isEqualTo(-1);
        assertThat(CATEGORICAL.indexOf(new Object())).isEqualTo(-1);
        assertThatIllegalArgumentException().isThrownBy(() -> CATEGORICAL.toInternal("sgd"))
                .withMessageContaining("String sgd is not one of [adam, 1, 2.5, true]");
        assertThatIllegalArgumentException().isThrownBy(() -> CATEGORICAL.toInternal(null)).withMessageContaining("null is not one of");
    }

    @Test
    void containsInternalKnowsTheRangeTheGridAndTheIndices() {
        assertThat(FLOAT.containsInternal(-2)).isTrue();
        assertThat(FLOAT.containsInternal(6)).isTrue();
        assertThat(FLOAT.containsInternal(Math.nextDown(-2.0))).isFalse();
        assertThat(FLOAT.containsInternal(Math.nextUp(6.0))).isFalse();
        assertThat(LOG_FLOAT.containsInternal(0.05)).isTrue();
        assertThat(LOG_FLOAT.containsInternal(0)).isFalse();
        assertThat(STEP_FLOAT.containsInternal(0.75)).isTrue();
        assertThat(STEP_FLOAT.containsInternal(0.8)).isFalse();
        assertThat(new FloatDistribution(0, 1, false, 0.1).containsInternal(0.1 * 3)).isTrue(); // 0.30000000000000004

        assertThat(INT.containsInternal(-3)).isTrue();
        assertThat(INT.containsInternal(7)).isTrue();
        assertThat(INT.containsInternal(8)).isFalse();
        assertThat(INT.containsInternal(0.5)).isFalse();
        assertThat(STEP_INT.containsInternal(15)).isTrue();
        assertThat(STEP_INT.containsInternal(16)).isFalse();
        assertThat(new IntDistribution(1, 9, false, 2).containsInternal(2)).isFalse();

        assertThat(CATEGORICAL.containsInternal(0)).isTrue();
        assertThat(CATEGORICAL.containsInternal(3)).isTrue();
        assertThat(CATEGORICAL.containsInternal(4)).isFalse();
        assertThat(CATEGORICAL.containsInternal(-1)).isFalse();
        assertThat(CATEGORICAL.containsInternal(1.5)).isFalse();

        for (Distribution d : List.of(FLOAT, LOG_FLOAT, STEP_FLOAT, INT, LOG_INT, STEP_INT, CATEGORICAL)) {
            assertThat(d.containsInternal(Double.NaN)).as("%s contains NaN", d).isFalse();
            assertThat(d.containsInternal(Double.POSITIVE_INFINITY)).as("%s contains +inf", d).isFalse();
            assertThat(d.containsInternal(Double.NEGATIVE_INFINITY)).as("%s contains -inf", d).isFalse();
        }
    }

    @Test
    void aRangeWithLowEqualToHighOrOneChoiceIsSingle() {
        List<Distribution> singles = List.of(new FloatDistribution(2.5, 2.5), new FloatDistribution(1e-3, 1e-3, true, null),
                new FloatDistribution(4, 4, false, 0.5), new IntDistribution(3, 3), new IntDistribution(8, 8, true, 1),
                new IntDistribution(6, 6, false, 4), CategoricalDistribution.of(List.of("adam")));
        List<Object> values = List.of(2.5, 1e-3, 4.0, 3, 8, 6, "adam");
        for (int i = 0; i < singles.size(); i++) {
            Distribution d = singles.get(i);
            assertThat(d.single()).as("%s", d).isTrue();
            for (double u : new double[] {0, 0.5, 0.999999}) {
                assertThat(d.fromUnit(u)).as("%s at %s", d, u).isEqualTo(values.get(i));
            }
            assertThat(d.containsInternal(d.toInternal(values.get(i)))).isTrue();
        }
        assertThat(List.of(FLOAT, LOG_FLOAT, STEP_FLOAT, INT, LOG_INT, STEP_INT, CATEGORICAL))
                .noneMatch(Distribution::single);
    }

    // -------------------------------------------------------------- fromUnit

    static Stream<Arguments> unitPoints() {
        return Stream.of(
                Arguments.of(FLOAT, Double.class, -2.0, 2.0, 6.0),
                Arguments.of(LOG_FLOAT, Double.class, 1e-5, 1e-3, 1e-1),
                Arguments.of(STEP_FLOAT, Double.class, 0.0, 0.5, 1.0),
                Arguments.of(INT, Integer.class, -3, 2, 7),
                Arguments.of(LOG_INT, Integer.class, 1, 7, 100),
                Arguments.of(STEP_INT, Integer.class, 0, 10, 20),
                Arguments.of(CATEGORICAL, Object.class, "adam", 2.5, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unitPoints")
    void fromUnitStaysInsideAndCoversTheRange(Distribution d, Class<?> type, Object atZero, Object atHalf, Object atOne) {
        Object zero = d.fromUnit(0);
        Object half = d.fromUnit(0.5);
        Object nearOne = d.fromUnit(0.999999);

        for (Object v : List.of(zero, half, nearOne)) {
            assertThat(d.containsInternal(d.toInternal(v))).as("%s inside %s", v, d).isTrue();
            assertThat(v).isInstanceOf(type);
        }
        if (type == Double.class) {
            assertThat((Double) zero).isCloseTo((Double) atZero, within(1e-12));
            assertThat((Double) half).isCloseTo((Double) atHalf, within(1e-9));
            assertThat((Double) nearOne).isCloseTo((Double) atOne, within(1e-4));
        } else {
            assertThat(List.of(zero, half, nearOne)).containsExactly(atZero, atHalf, atOne);
        }
    }

    @Test
    void fromUnitSpreadsAContinuousRangeEvenly() {
        List<Double> values = sweep(FLOAT, Double.class);

        assertThat(values).isSorted();
        assertThat(values.get(0)).isEqualTo(-2.0);
        assertThat(values.get(SWEEP - 1)).isCloseTo(6.0, within(1e-4)).isLessThanOrEqualTo(6.0);
        assertThat(values.stream().filter(v -> v < 2.0).count()).isEqualTo(SWEEP / 2);
        assertThat(values).allSatisfy(v -> assertThat(FLOAT.containsInternal(v)).isTrue());
    }

    @Test
    void fromUnitSpreadsALogRangeEvenlyInLogSpace() {
        List<Double> values = sweep(LOG_FLOAT, Double.class);

        assertThat(values).isSorted().allSatisfy(v -> assertThat(LOG_FLOAT.containsInternal(v)).isTrue());
        assertThat(values.get(0)).isCloseTo(1e-5, within(1e-15));
        assertThat(values.get(SWEEP - 1)).isCloseTo(0.1, within(1e-5));
        // Each decade gets a quarter of the unit interval.
        for (double decade : new double[] {1e-4, 1e-3, 1e-2}) {
            long below = values.stream().filter(v -> v < decade).count();
            assertThat((double) below / SWEEP).as("share below %s", decade)
                    .isCloseTo(Math.log10(decade / 1e-5) / 4, within(2.0 / SWEEP));
        }
    }

    @Test
    void fromUnitHitsEveryGridValueEqually() {
        assertEvenCounts(counts(sweep(STEP_FLOAT, Double.class)), List.of(0.0, 0.25, 0.5, 0.75, 1.0));
        assertEvenCounts(counts(sweep(INT, Integer.class)), List.of(-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7));
        assertEvenCounts(counts(sweep(STEP_INT, Integer.class)), List.of(0, 5, 10, 15, 20));
        assertEvenCounts(counts(sweep(CATEGORICAL, Object.class)), List.of("adam", 1, 2.5, true));

        // A step that is not exact in binary still gives the 11 grid points, all inside.
        FloatDistribution tenths = new FloatDistribution(0, 1, false, 0.1);
        Map<Double, Integer> hits = counts(sweep(tenths, Double.class));
        assertThat(hits).hasSize(11);
        assertThat(hits.keySet()).allSatisfy(v -> assertThat(tenths.containsInternal(v)).as("%s", v).isTrue());
        assertThat(new TreeSet<>(hits.keySet()).first()).isEqualTo(0.0);
        assertThat(new TreeSet<>(hits.keySet()).last()).isEqualTo(1.0);
        assertThat(Collections.max(hits.values()) - Collections.min(hits.values())).isLessThanOrEqualTo(1);
    }

    @Test
    void fromUnitGivesEveryLogIntegerItsShareOfTheLogRange() {
        Map<Integer, Integer> hits = counts(sweep(LOG_INT, Integer.class));

        assertThat(hits.keySet()).isEqualTo(rangeSet(1, 100));
        // Every integer v owns [v - 0.5, v + 0.5) of the log scale over [0.5, 100.5].
        double total = Math.log(100.5 / 0.5);
        hits.forEach((v, count) -> assertThat((double) count)
                .as("hits of %d", v)
                .isCloseTo(SWEEP * Math.log((v + 0.5) / (v - 0.5)) / total, within(2.0)));
    }

    @Test
    void fromUnitOfAWideIntRangeDoesNotOverflow() {
        IntDistribution wide = new IntDistribution(Integer.MIN_VALUE, Integer.MAX_VALUE);

        assertThat(wide.fromUnit(0)).isEqualTo(Integer.MIN_VALUE);
        assertThat(wide.fromUnit(0.999999999999)).isEqualTo(Integer.MAX_VALUE);
        assertThat((Integer) wide.fromUnit(0.5)).isBetween(-1, 1);
    }

    private static <T> List<T> sweep(Distribution d, Class<T> type) {
        List<T> values = new ArrayList<>(SWEEP);
        for (int i = 0; i < SWEEP; i++) {
            values.add(type.cast(d.fromUnit((double) i / SWEEP)));
        }
        return values;
    }

    private static <T> Map<T, Integer> counts(List<T> values) {
        Map<T, Integer> counts = new LinkedHashMap<>();
        values.forEach(v -> counts.merge(v, 1, Integer::sum));
        return counts;
    }

    private static <T> void assertEvenCounts(Map<T, Integer> counts, List<T> expected) {
        assertThat(counts.keySet()).containsExactlyElementsOf(expected);
        assertThat(Collections.max(counts.values()) - Collections.min(counts.values())).as("%s", counts).isLessThanOrEqualTo(1);
    }

    private static Set<Integer> rangeSet(int low, int high) {
        Set<Integer> set = new HashSet<>();
        for (int v = low; v <= high; v++) {
            set.add(v);
        }
        return set;
    }

    // ------------------------------------------------------------------ JSON

    private final ObjectMapper json = new ObjectMapper();

    static Stream<Distribution> everyKind() {
        return Stream.of(FLOAT, LOG_FLOAT, STEP_FLOAT, INT, LOG_INT, STEP_INT, CATEGORICAL,
                CategoricalDistribution.of(List.of(0, 3_000_000_000L, 0.5, false, "", "null")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyKind")
    void jsonRoundTripGivesAnEqualDistribution(Distribution d) throws JsonProcessingException {
        String text = json.writeValueAsString(d);

        assertThat(json.readValue(text, Distribution.class)).isEqualTo(d);
        assertThat(json.readValue(json.writerFor(Distribution.class).writeValueAsString(d), Distribution.class)).isEqualTo(d);
        String type = d instanceof FloatDistribution ? "float" : d instanceof IntDistribution ? "int" : "categorical";
        assertThat(json.readTree(text).get("type").asText()).isEqualTo(type);
    }

    @Test
    void jsonWithDefaultsLeftOutIsRead() throws JsonProcessingException {
        assertThat(read("{\"type\":\"int\",\"low\":1,\"high\":9}")).isEqualTo(new IntDistribution(1, 9, false, 1));
        assertThat(read("{\"type\":\"int\",\"low\":32,\"high\":512,\"log\":true}")).isEqualTo(new IntDistribution(32, 512, true, 1));
        assertThat(read("{\"type\":\"int\",\"low\":0,\"high\":20,\"step\":5}")).isEqualTo(STEP_INT);
        assertThat(read("{\"type\":\"float\",\"low\":-2,\"high\":6}")).isEqualTo(FLOAT);
        assertThat(read("{\"type\":\"float\",\"low\":1e-5,\"high\":0.1,\"log\":true}")).isEqualTo(LOG_FLOAT);
        assertThat(read("{\"type\":\"float\",\"low\":0,\"high\":1,\"step\":0.25}")).isEqualTo(STEP_FLOAT);
        assertThat(read("{\"type\":\"categorical\",\"choices\":[\"adam\",1,2.5,true]}")).isEqualTo(CATEGORICAL);
        // A continuous range is written without a step.
        assertThat(json.readTree(json.writeValueAsString(FLOAT)).has("step")).isFalse();
    }

    @Test
    void invalidJsonNamesTheProblem() {
        assertThatThrownBy(() -> read("{\"type\":\"int\",\"low\":9,\"high\":1}"))
                .isInstanceOf(JsonProcessingException.class).hasMessageContaining("low (9) must not be greater than high (1)");
        assertThatThrownBy(() -> read("{\"type\":\"float\",\"low\":0,\"high\":1,\"log\":true}"))
                .isInstanceOf(JsonProcessingException.class).hasMessageContaining("log scale needs low > 0");
        assertThatThrownBy(() -> read("{\"type\":\"categorical\",\"choices\":[\"a\",\"a\"]}"))
                .isInstanceOf(JsonProcessingException.class).hasMessageContaining("duplicate choice a");
        assertThatThrownBy(() -> read("{\"type\":\"normal\",\"mean\":0}"))
                .isInstanceOf(JsonProcessingException.class).hasMessageContaining("normal");
    }

    private Distribution read(String text) throws JsonProcessingException {
        return json.readValue(text, Distribution.class);
    }

    @Test
    void aMapOfDistributionsRoundTrips() throws JsonProcessingException {
        Map<String, Distribution> space = new TreeMap<>(Map.of("lr", LOG_FLOAT, "units", LOG_INT, "optimizer", CATEGORICAL));
        String text = json.writerFor(json.getTypeFactory().constructMapType(Map.class, String.class, Distribution.class))
                .writeValueAsString(space);

        Map<String, Distribution> back = json.readValue(text,
                json.getTypeFactory().constructMapType(Map.class, String.class, Distribution.class));
        assertThat(back).isEqualTo(space);
    }
}
