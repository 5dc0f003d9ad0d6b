package dev.tuna.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class FrozenTrialTest {

    private static final Instant START = Instant.parse("2025-03-01T10:15:30.123456789Z");
    private static final Instant END = START.plusMillis(2_500);

    private static FrozenTrial pruned() {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("lr", 3.5e-4);
        params.put("units", 128);
        params.put("optimizer", "adam");
        params.put("flag", false);
        Map<String, Distribution> distributions = new LinkedHashMap<>();
        distributions.put("lr", new FloatDistribution(1e-5, 1e-1, true, null));
        distributions.put("units", new IntDistribution(16, 512, true, 1));
        distributions.put("optimizer", CategoricalDistribution.of(List.of("adam", "sgd")));
        distributions.put("flag", CategoricalDistribution.of(List.of(true, false, 1, 0.5)));
        TreeMap<Integer, Double> values = new TreeMap<>(Map.of(1, 0.9, 2, Double.NaN, 3, Double.POSITIVE_INFINITY));
        Map<String, NavigableMap<Integer, Double>> metrics = Map.of(
                "train_loss", new TreeMap<>(Map.of(1, 2.0, 2, 1.5)),
                "grad_norm", new TreeMap<>(Map.of(3, Double.NEGATIVE_INFINITY)));
        Map<String, Object> userAttrs = Map.of("note", "x", "sizes", List.of(1, 2), "nested", Map.of("a", 1.5));
        Map<String, Object> systemAttrs = Map.of(FrozenTrial.ATTR_FIXED_PARAMS, Map.of("lr", 3.5e-4));
        return new FrozenTrial(7, TrialState.PRUNED, params, distributions, 0.9, values, metrics, userAttrs, systemAttrs,
                START, END, "below the median at step 3");
    }

    @Test
    void jsonRoundTripGivesAnEqualTrial() throws Exception {
        ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule());
        FrozenTrial trial = pruned();

        String text = json.writeValueAsString(trial);
        FrozenTrial back = json.readValue(text, FrozenTrial.class);

        assertThat(back).isEqualTo(trial);
        assertThat(back.params().get("units")).isInstanceOf(Integer.class);
        assertThat(back.intermediateValues().get(2)).isNaN();
        assertThat(back.start()).isEqualTo(START);
        // Only the record's components are written, not derived values such as the duration.
        JsonNode tree = json.readTree(text);
        List<String> fields = new ArrayList<>();
        tree.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactlyInAnyOrder("number", "state", "params", "distributions", "value",
                "intermediateValues", "metrics", "userAttrs", "systemAttrs", "start", "end", "reason");
        assertThat(tree.get("distributions").get("lr").get("type").asText()).isEqualTo("float");
    }

    @Test
    void aWaitingTrialRoundTripsWithItsNulls() throws Exception {
        ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule());
        FrozenTrial waiting = new FrozenTrial(0, TrialState.WAITING, null, null, null, null, null, null,
                Map.of(FrozenTrial.ATTR_FIXED_PARAMS, Map.of("units", 64)), null, null, null);

        assertThat(json.readValue(json.writeValueAsString(waiting), FrozenTrial.class)).isEqualTo(waiting);
    }

    @Test
    void derivedValuesComeFromTheComponents() {
        FrozenTrial trial = pruned();

        assertThat(trial.isFinished()).isTrue();
        assertThat(trial.lastStep()).isEqualTo(3);
        assertThat(trial.lastIntermediateValue()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(trial.metric("train_loss")).containsExactly(Map.entry(1, 2.0), Map.entry(2, 1.5));
        assertThat(trial.metric("val_loss")).isEmpty();
        assertThat(trial.duration()).isEqualTo(Duration.ofMillis(2_500));
        assertThat(trial.fixedParams()).isEqualTo(Map.of("lr", 3.5e-4));
        assertThat(trial.wasInterrupted()).isFalse();

        FrozenTrial fresh = new FrozenTrial(0, TrialState.WAITING, null, null, null, null, null, null, null, null, null, null);
        assertThat(fresh.isFinished()).isFalse();
        assertThat(fresh.lastStep()).isEqualTo(-1);
        assertThat(fresh.lastIntermediateValue()).isNull();
        assertThat(fresh.duration()).isEqualTo(Duration.ZERO);
        assertThat(fresh.fixedParams()).isEmpty();
        assertThat(fresh.params()).isEmpty();

        FrozenTrial interrupted = new FrozenTrial(1, TrialState.FAIL, null, null, null, null, null, null, null,
                START, END, FrozenTrial.REASON_INTERRUPTED);
        assertThat(interrupted.wasInterrupted()).isTrue();
    }

    @Test
    void aTrialDoesNotFollowTheMapsItWasBuiltFrom() {
        Map<String, Object> params = new LinkedHashMap<>(Map.of("units", 64));
        TreeMap<Integer, Double> values = new TreeMap<>(Map.of(1, 0.5));
        TreeMap<Integer, Double> loss = new TreeMap<>(Map.of(1, 2.0));
        Map<String, NavigableMap<Integer, Double>> metrics = new LinkedHashMap<>(Map.of("loss", loss));
        FrozenTrial trial = new FrozenTrial(0, TrialState.RUNNING, params, null, null, values, metrics, null, null, START, null, null);

        params.put("lr", 0.1);
        values.put(2, 0.4);
        loss.put(2, 1.0);
        metrics.put("acc", new TreeMap<>());

        assertThat(trial.params()).isEqualTo(Map.of("units", 64));
        assertThat(trial.intermediateValues()).containsExactly(Map.entry(1, 0.5));
        assertThat(trial.metrics()).isEqualTo(Map.of("loss", Map.of(1, 2.0)));
        assertThatThrownBy(() -> trial.metric("loss").put(3, 0.1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> new FrozenTrial(0, null, null, null, null, null, null, null, null, null, null, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("state");
    }
}
