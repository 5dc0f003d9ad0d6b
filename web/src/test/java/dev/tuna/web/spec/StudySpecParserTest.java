package dev.tuna.web.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuna.core.Direction;
import dev.tuna.core.FloatDistribution;
import dev.tuna.core.IntDistribution;
import dev.tuna.core.CategoricalDistribution;
import dev.tuna.search.pruner.AnyOf;
import dev.tuna.search.pruner.SuccessiveHalvingPruner;
import dev.tuna.search.sampler.GridSampler;
import dev.tuna.search.sampler.SobolSampler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StudySpecParserTest {
    private final StudySpecParser parser = new StudySpecParser(Trainables.builtIn());

    static final String VALID = """
            {"name": "quad-1", "direction": "maximize", "metric": "value", "trials": 30, "parallelism": 2,
             "timeoutSeconds": 1800, "sampler": {"type": "sobol", "seed": 42},
             "pruner": {"type": "anyOf", "anyOf": [{"type": "asha", "minResource": 1, "reductionFactor": 3},
                                                  {"type": "threshold", "upper": 100}]},
             "trainable": {"type": "quadratic", "epochs": 5, "fixed": {"sleepMillis": 1, "center": 0.5}},
             "space": {"lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": true},
                       "units": {"type": "int", "low": 32, "high": 512, "log": true},
                       "optimizer": {"type": "categorical", "choices": ["adam", "sgd"]}},
             "cron": "0 0 * * * ?"}
            """;

    /** A valid spec with one field replaced, as JSON text: {@code with("trials", "-1")}. */
    static String with(String field, String json) {
        return removeField(VALID, field).replaceFirst("\\{", "{\"" + field + "\": " + json + ", ");
    }

    @Test
    void readsEveryField() {
        StudySpec spec = parser.parse(VALID);
        assertThat(spec.name()).isEqualTo("quad-1");
        assertThat(spec.direction()).isEqualTo(Direction.MAXIMIZE);
        assertThat(spec.trials()).isEqualTo(30);
        assertThat(spec.parallelism()).isEqualTo(2);
        assertThat(spec.timeoutSeconds()).isEqualTo(1800L);
        assertThat(spec.sampler().type()).isEqualTo("sobol");
        assertThat(spec.sampler().seed()).isEqualTo(42L);
        assertThat(spec.pruner().anyOf()).extracting(PrunerSpec::type).containsExactly("asha", "threshold");
        assertThat(spec.trainable().epochs()).isEqualTo(5);
        assertThat(spec.space()).containsExactly(
                java.util.Map.entry("lr", new FloatDistribution(1e-4, 1e-1, true, null)),
                java.util.Map.entry("units", new IntDistribution(32, 512, true, 1)),
                java.util.Map.entry("optimizer", CategoricalDistribution.of(List.of("adam", "sgd"))));
        assertThat(spec.cron()).isEqualTo("0 0 * * * ?");
        assertThat(SamplerFactory.create(spec.sampler(), spec.space(), spec.name())).isInstanceOf(SobolSampler.class);
        assertThat(PrunerFactory.create(spec.pruner(), "pruner")).isInstanceOf(AnyOf.class);
    }

    @Test
    void writesWhatItReads() {
        StudySpec spec = parser.parse(VALID);
        String json = StudySpecParser.toJson(spec).toString();
        assertThat(json).contains("\"type\":\"float\"");
        assertThat(parser.parse(json)).usingRecursiveComparison().isEqualTo(spec);
    }

    @Test
    void defaultsWhatIsLeftOut() {
        StudySpec spec = parser.parse("""
                {"name": "b", "trials": 3, "trainable": {"type": "branin"},
                 "space": {"x1": {"type": "float", "low": -5, "high": 10}, "x2": {"type": "float", "low": 0, "high": 15}}}
                """);
        assertThat(spec.direction()).isEqualTo(Direction.MINIMIZE);
        assertThat(spec.parallelism()).isEqualTo(1);
        assertThat(spec.sampler().type()).isEqualTo(SamplerFactory.DEFAULT_TYPE);
        assertThat(spec.pruner().type()).isEqualTo("none");
        assertThat(spec.timeout()).isEmpty();
    }

    @Test
    void aMissingFieldNamesTheFieldThatLooksLikeAMisspellingOfIt() {
        // "trainabel" was reported only as "trainable: is required", which left the user looking for the typo.
        assertThatThrownBy(() -> parser.parse("""
                {"name": "m", "trials": 3, "trainabel": {"type": "quadratic"},
                 "space": {"x": {"type": "float", "low": 0, "high": 2}}}
                """)).hasMessage("trainable: is required (is 'trainabel' a misspelling of it?)");
        assertThatThrownBy(() -> parser.parse("""
                {"name": "m", "trials": 3, "trainable": {"type": "quadratic"}, "Space": {}}
                """)).hasMessage("space: is required (is 'Space' a misspelling of it?)");
        assertThatThrownBy(() -> parser.parse("""
                {"name": "m", "trials": 3, "trainable": {"tpye": "quadratic"}, "space": {"x": {"type": "float", "low": 0, "high": 2}}}
                """)).hasMessage("trainable.type: is required (is 'tpye' a misspelling of it?)");
        // Nothing near: the plain message.
        assertThatThrownBy(() -> parser.parse("""
                {"name": "m", "trials": 3, "model": {"type": "quadratic"}, "space": {"x": {"type": "float", "low": 0, "high": 2}}}
                """)).hasMessage("trainable: is required");
    }

    @Test
    void gridComesFromTheSpaceOrTheOptions() {
        StudySpec spec = parser.parse("""
                {"name": "g", "trials": 6, "sampler": {"type": "grid", "options": {"grid": {"x": [0.5, 1.5]}}},
                 "trainable": {"type": "quadratic"},
                 "space": {"x": {"type": "float", "low": 0, "high": 2}, "k": {"type": "int", "low": 1, "high": 3}}}
                """);
        GridSampler grid = (GridSampler) SamplerFactory.create(spec.sampler(), spec.space(), spec.name());
        assertThat(grid.size()).isEqualTo(6);
        assertThatThrownBy(() -> parser.parse("""
                {"name": "g", "trials": 6, "sampler": {"type": "grid"}, "trainable": {"type": "quadratic"},
                 "space": {"x": {"type": "float", "low": 0, "high": 2}}}
                """)).hasMessageStartingWith("sampler.options.grid.x: is required");
        // A parameter held at one value (low == high, as Optuna allows) is a grid of that one value.
        StudySpec held = parser.parse("""
                {"name": "g", "trials": 3, "sampler": {"type": "grid"}, "trainable": {"type": "quadratic"},
                 "space": {"x": {"type": "float", "low": 0.5, "high": 0.5}, "k": {"type": "int", "low": 1, "high": 3}}}
                """);
        assertThat(((GridSampler) SamplerFactory.create(held.sampler(), held.space(), held.name())).size()).isEqualTo(3);
    }

    @Test
    void theDivergencePrunersCollapseCheckCanBeTurnedOff() {
        StudySpec spec = parser.parse(with("pruner", "{\"type\": \"divergence\", \"objectiveCollapse\": false}"));
        assertThat(PrunerFactory.create(spec.pruner(), "pruner")).isInstanceOf(dev.tuna.search.pruner.DivergencePruner.class);
        assertThatThrownBy(() -> PrunerFactory.create(parser.parse(with("pruner",
                "{\"type\": \"divergence\", \"objectiveCollapse\": \"no\"}")).pruner(), "pruner"))
                .hasMessageStartingWith("pruner.objectiveCollapse: ");
    }

    @Test
    void pointsToEnqueueAreReadInOrderAndWrittenBack() {
        StudySpec spec = parser.parse(with("enqueue", "[{\"lr\": 0.01, \"units\": 64}, {\"optimizer\": \"sgd\"}]"));
        assertThat(spec.enqueue()).containsExactly(Map.of("lr", 0.01, "units", 64L), Map.of("optimizer", "sgd"));
        assertThat(parser.parse(StudySpecParser.toJson(spec)).enqueue()).isEqualTo(spec.enqueue());
        assertThat(parser.parse(VALID).enqueue()).isEmpty();
        assertThat(StudySpecParser.toJson(parser.parse(VALID)).has("enqueue")).isFalse();
    }

    @Test
    void aTrialTimeoutIsReadCheckedAndWrittenBack() {
        StudySpec spec = parser.parse(with("trialTimeoutSeconds", "90"));
        assertThat(spec.trialTimeout()).contains(java.time.Duration.ofSeconds(90));
        assertThat(parser.parse(StudySpecParser.toJson(spec)).trialTimeoutSeconds()).isEqualTo(90L);
        assertThat(parser.parse(VALID).trialTimeout()).isEmpty();
        assertThatThrownBy(() -> parser.parse(with("trialTimeoutSeconds", "0")))
                .hasMessageStartingWith("trialTimeoutSeconds: ");
        assertThatThrownBy(() -> parser.parse(with("trialTimeoutSeconds", "\"1h\"")))
                .hasMessageStartingWith("trialTimeoutSeconds: ");
    }

    @Test
    void aPointToEnqueueOffTheGridSamplersGridIsRefused() throws Exception {
        // It would use up a trial and take no grid point, so that a grid point would not run.
        String grid = with("sampler", "{\"type\": \"grid\", \"options\": {\"grid\": {\"lr\": [0.001, 0.01], \"units\": [32, 64]}}}")
                .replaceFirst("\\{", "{\"enqueue\": [%s], ");
        assertThat(parser.parse(grid.formatted("{\"lr\": 0.01, \"units\": 64.0, \"optimizer\": \"sgd\"}, {\"units\": 32}"))
                .enqueue()).hasSize(2);
        assertThatThrownBy(() -> parser.parse(grid.formatted("{\"lr\": 0.01}, {\"lr\": 0.05, \"units\": 64}")))
                .isInstanceOf(SpecException.class)
                .hasMessage("enqueue[1].lr: 0.05 is not on the grid sampler's grid [0.001, 0.01]: it runs only the grid's"
                        + " points (give its values in sampler.options.grid)");
        assertThatThrownBy(() -> parser.parse(grid.formatted("{\"units\": 48}")))
                .hasMessageStartingWith("enqueue[0].units: 48 is not on the grid sampler's grid [32, 64]");
        // The same point twice (any sampler): it ran once when the study went on, twice when it was new.
        String twice = "{\"lr\": 0.01, \"units\": 64, \"optimizer\": \"sgd\"}, {\"units\": 32}, {\"lr\": 0.01, \"units\": 64.0,"
                + " \"optimizer\": \"sgd\"}";
        assertThatThrownBy(() -> parser.parse(grid.formatted(twice))).hasMessageStartingWith("enqueue[2]: the same point as"
                + " enqueue[0]: each point runs once (");
        assertThatThrownBy(() -> parser.parse(with("enqueue", "[{\"units\": 64}, {\"units\": 64.0}]")))
                .hasMessageStartingWith("enqueue[1]: the same point as enqueue[0]: ");
        assertThatThrownBy(() -> parser.parse(with("space", "{\"x\": {\"type\": \"float\", \"low\": -1, \"high\": 1}}")
                .replaceFirst("\\{", "{\"enqueue\": [{\"x\": 0.0}, {\"x\": -0.0}], ")))
                .hasMessageStartingWith("enqueue[1]: the same point as enqueue[0]: ");
        // A study stored before these checks still loads (it is resumed, and read by cluster nodes).
        assertThat(parser.parseStored(new com.fasterxml.jackson.databind.ObjectMapper().readTree(grid.formatted("{\"units\": 48}"))).enqueue())
                .containsExactly(Map.of("units", 48L));
    }

    @Test
    void aConditionalParameterIsReadWithItsConditionAndWrittenBack() {
        StudySpec spec = parser.parse(with("space", """
                {"optimizer": {"type": "categorical", "choices": ["adam", "sgd", "momentum"]},
                 "momentum": {"type": "float", "low": 0, "high": 0.99, "when": {"optimizer": ["sgd", "momentum"]}},
                 "nesterov": {"type": "categorical", "choices": [true, false], "when": {"optimizer": "momentum"}}}
                """));
        assertThat(spec.conditions()).isEqualTo(Map.of("momentum", Map.of("optimizer", List.of("sgd", "momentum")),
                "nesterov", Map.of("optimizer", List.of("momentum"))));
        assertThat(spec.space()).containsOnlyKeys("optimizer", "momentum", "nesterov");
        StudySpec again = parser.parse(StudySpecParser.toJson(spec));
        assertThat(again.conditions()).isEqualTo(spec.conditions());
        assertThat(StudySpecParser.toJson(again)).isEqualTo(StudySpecParser.toJson(spec));
        // Choices in another order, or twice, are the same condition (a study going on refused them as another).
        StudySpec reordered = parser.parse(with("space", """
                {"optimizer": {"type": "categorical", "choices": ["adam", "sgd", "momentum"]},
                 "momentum": {"type": "float", "low": 0, "high": 0.99, "when": {"optimizer": ["momentum", "sgd", "sgd"]}},
                 "nesterov": {"type": "categorical", "choices": [true, false], "when": {"optimizer": "momentum"}}}
                """));
        assertThat(StudySpecParser.toJson(reordered)).isEqualTo(StudySpecParser.toJson(spec));
        // A point to enqueue meets the conditions of what it names: its value would be dropped, the point taken for run.
        String withPoint = StudySpecParser.toJson(spec).toString().replaceFirst("\\{", "{\"enqueue\": [%s], ");
        assertThat(parser.parse(withPoint.formatted("{\"optimizer\": \"sgd\", \"momentum\": 0.9}")).enqueue()).hasSize(1);
        assertThatThrownBy(() -> parser.parse(withPoint.formatted("{\"optimizer\": \"adam\", \"momentum\": 0.9}")))
                .hasMessage("enqueue[0].momentum: suggested only when optimizer is one of [sgd, momentum], and this point"
                        + " gives optimizer 'adam'");
        assertThatThrownBy(() -> parser.parse(withPoint.formatted("{\"momentum\": 0.9}")))
                .hasMessage("enqueue[0].momentum: suggested only when optimizer is one of [sgd, momentum], and"
                        + " this point gives no optimizer: give it one of those too, or leave momentum out");
        // A condition at odds with its parent's own can never hold (it was taken, and the parameter never suggested).
        assertThatThrownBy(() -> parser.parse(with("space", """
                {"optimizer": {"type": "categorical", "choices": ["adam", "sgd", "momentum"]},
                 "nesterov": {"type": "categorical", "choices": [true, false], "when": {"optimizer": "momentum"}},
                 "kick": {"type": "float", "low": 0, "high": 1, "when": {"nesterov": true, "optimizer": "sgd"}}}
                """))).hasMessage("space.kick.when: 'kick' can never be suggested: nesterov is suggested only when optimizer"
                + " is one of [momentum], which the rest of this condition rules out");
        // One a level further down, and one that holds.
        assertThatThrownBy(() -> parser.parse(with("space", """
                {"optimizer": {"type": "categorical", "choices": ["adam", "sgd", "momentum"]},
                 "nesterov": {"type": "categorical", "choices": [true, false], "when": {"optimizer": "momentum"}},
                 "schedule": {"type": "categorical", "choices": ["a", "b"], "when": {"nesterov": true}},
                 "kick": {"type": "float", "low": 0, "high": 1, "when": {"schedule": "a", "optimizer": ["adam", "sgd"]}}}
                """))).hasMessageStartingWith("space.kick.when: 'kick' can never be suggested: schedule is suggested only"
                + " when optimizer is one of [momentum]");
        assertThat(parser.parse(with("space", """
                {"optimizer": {"type": "categorical", "choices": ["adam", "sgd", "momentum"]},
                 "nesterov": {"type": "categorical", "choices": [true, false], "when": {"optimizer": "momentum"}},
                 "kick": {"type": "float", "low": 0, "high": 1, "when": {"nesterov": true, "optimizer": ["sgd", "momentum"]}}}
                """)).conditions()).containsKey("kick");
        // A grid runs every combination of the whole space.
        String grid = StudySpecParser.toJson(spec).toString().replaceFirst("\"sampler\":\\{[^}]*}", "\"sampler\": {\"type\": \"grid\"}");
        assertThatThrownBy(() -> parser.parse(grid)).hasMessageStartingWith("space.momentum.when: the grid sampler runs every"
                + " combination of the whole space");
    }

    @Test
    void prunerOptionsReachThePruner() {
        StudySpec spec = parser.parse(with("pruner", "{\"type\": \"asha\", \"minResource\": 2, \"reductionFactor\": 3}"));
        assertThat(PrunerFactory.create(spec.pruner(), "pruner")).isInstanceOf(SuccessiveHalvingPruner.class);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "space.lr.low: must not be greater than high (got 0.1 > 0.01)|\"space\": {\"lr\": {\"type\": \"float\", \"low\": 0.1, \"high\": 0.01}},",
        "sampler.type: unknown sampler 'foo' (expected one of random, grid, sobol, tpe, gp, auto)|\"sampler\": {\"type\": \"foo\"},",
        "trials: must be between 1 and 1000000, got -1|\"trials\": -1,",
        "trials: expected an integer, got 2.5|\"trials\": 2.5,",
        "trials: expected an integer, got the string '3'|\"trials\": \"3\",",
        "direction: expected 'minimize' or 'maximize', got 'up'|\"direction\": \"up\",",
        "name: invalid study name '../etc'|\"name\": \"../etc\",",
        "name: invalid study name 'é-x' (1 to 64 ASCII letters|\"name\": \"é-x\",",
        "pruner.type: unknown pruner 'nope'|\"pruner\": {\"type\": \"nope\"},",
        "pruner.reductionFactor: must be between 2 and 1000000000, got 1|\"pruner\": {\"type\": \"asha\", \"reductionFactor\": 1},",
        "pruner.anyOf[1].type: unknown pruner 'x'|\"pruner\": {\"type\": \"anyOf\", \"anyOf\": [{\"type\": \"median\"}, {\"type\": \"x\"}]},",
        "pruner.anyOf[1]: a second successive-halving or Hyperband pruner; they record a trial's rungs in the same attributes; keep one of them|\"pruner\": {\"type\": \"anyOf\", \"anyOf\": [{\"type\": \"asha\"}, {\"type\": \"hyperband\"}]},",
        "pruner.bogus: unknown field|\"pruner\": {\"type\": \"median\", \"bogus\": 1},",
        "pruner.percentile: must be in [0, 100]|\"pruner\": {\"type\": \"percentile\", \"percentile\": 150},",
        "pruner.maxResource: must be at least minResource|\"pruner\": {\"type\": \"hyperband\", \"minResource\": 5, \"maxResource\": 2},",
        "pruner.pruners: unknown field (expected one of type, anyOf)|\"pruner\": {\"type\": \"anyOf\", \"pruners\": [{\"type\": \"median\"}]},",
        "sampler.options.startupTrials: must be between 1 and 10000, got 0|\"sampler\": {\"type\": \"gp\", \"options\": {\"startupTrials\": 0}},",
        "trainable.type: unknown trainable 'resnet'|\"trainable\": {\"type\": \"resnet\"},",
        "trainable.fixed.lr: unknown field|\"trainable\": {\"type\": \"quadratic\", \"fixed\": {\"lr\": 1}},",
        "cron: not a valid Quartz cron expression|\"cron\": \"0 0 25 * * ?\",",
        "cron: Quartz cron expressions have 6 or 7 fields, seconds first|\"cron\": \"*/5 * * * *\",",
        "cron: not a valid Quartz cron expression '0 0 0 * * *': Support for specifying both a day-of-week AND a day-of-month parameter is not implemented. (put '?' in one of the two)|\"cron\": \"0 0 0 * * *\",",
        "cron: '0 0 0 1 1 ? 2001' never fires again|\"cron\": \"0 0 0 1 1 ? 2001\",",
        "cron: '0 0 0 30 2 ?' never fires again|\"cron\": \"0 0 0 30 2 ?\",",
        "space.lr.step: step (3) does not divide the range [0, 10]|\"space\": {\"lr\": {\"type\": \"int\", \"low\": 0, \"high\": 10, \"step\": 3}},",
        "metric: the function trainable 'quadratic' optimises its function's value: metric must be 'value' or left out, got 'val_accuracy'|\"metric\": \"val_accuracy\",",
        "space.x.step: step (1.0E-19) is too small for the range [0.0, 1.0]: more than 1e15 steps; leave it out for a continuous range|\"space\": {\"x\": {\"type\": \"float\", \"low\": 0, \"high\": 1, \"step\": 1e-19}},",
        "space.lr.type: unknown distribution 'normal'|\"space\": {\"lr\": {\"type\": \"normal\"}},",
        "space.lr.choices[0]: expected a string, number or boolean, got an object|\"space\": {\"lr\": {\"type\": \"categorical\", \"choices\": [{}]}},",
        "space.lr.low: must be above 0 on a log scale, got 0|\"space\": {\"lr\": {\"type\": \"float\", \"low\": 0, \"high\": 1, \"log\": true}},",
        "space.lr.low: must be above 0 on a log scale, got -2|\"space\": {\"lr\": {\"type\": \"int\", \"low\": -2, \"high\": 1, \"log\": true}},",
        "extra: unknown field|\"extra\": 1,",
        "enqueue: expected an array of points such as {\"lr\": 0.01}, got an object|\"enqueue\": {\"lr\": 0.01},",
        "enqueue[1]: expected an object of parameter values such as {\"lr\": 0.01}, got an empty object|\"enqueue\": [{\"lr\": 0.01}, {}],",
        "space.units.when.optimizer: the string 'rmsprop' is not one of [adam, sgd]|\"space\": {\"optimizer\": {\"type\": \"categorical\", \"choices\": [\"adam\", \"sgd\"]}, \"units\": {\"type\": \"int\", \"low\": 1, \"high\": 9, \"when\": {\"optimizer\": \"rmsprop\"}}},",
        "space.units.when.optimizer: not a parameter before 'units' in the space|\"space\": {\"units\": {\"type\": \"int\", \"low\": 1, \"high\": 9, \"when\": {\"optimizer\": \"sgd\"}}, \"optimizer\": {\"type\": \"categorical\", \"choices\": [\"adam\", \"sgd\"]}},",
        "space.units.when.lr: not a categorical parameter|\"space\": {\"lr\": {\"type\": \"float\", \"low\": 0.1, \"high\": 1}, \"units\": {\"type\": \"int\", \"low\": 1, \"high\": 9, \"when\": {\"lr\": 0.5}}},",
        "space.units.when: expected an object naming a categorical parameter before 'units'|\"space\": {\"units\": {\"type\": \"int\", \"low\": 1, \"high\": 9, \"when\": \"sgd\"}},",
        "space.units.when.optimizer: names no choice|\"space\": {\"optimizer\": {\"type\": \"categorical\", \"choices\": [\"adam\", \"sgd\"]}, \"units\": {\"type\": \"int\", \"low\": 1, \"high\": 9, \"when\": {\"optimizer\": []}}},",
        "enqueue: has 2 points, more than the 1 trials|\"trials\": 1, \"enqueue\": [{\"lr\": 0.01}, {\"lr\": 0.02}],",
        "enqueue[0].units: 48 is not on the steps of int[32, 512] step 32|\"space\": {\"units\": {\"type\": \"int\", \"low\": 32, \"high\": 512, \"step\": 32}}, \"enqueue\": [{\"units\": 48}],",
        "enqueue[0].lr: 0.5 is outside|\"enqueue\": [{\"lr\": 0.5}],",
        "enqueue[0].units: expected an integer, got 64.5|\"enqueue\": [{\"units\": 64.5}],",
        "enqueue[0].optimizer: the string 'rmsprop' is not one of [adam, sgd]|\"enqueue\": [{\"optimizer\": \"rmsprop\"}],",
        "enqueue[0].lr: expected a number, got the string '0.01'|\"enqueue\": [{\"lr\": \"0.01\"}],",
        "enqueue[0].momentum: not a parameter of the space (lr, units, optimizer)|\"enqueue\": [{\"momentum\": 0.9}],",
        "enqueue[0].lr: expected a string, number or boolean, got an array|\"enqueue\": [{\"lr\": [0.01]}],",
        "sampler.options.scramble: unknown field (it takes no fields)|\"sampler\": {\"type\": \"sobol\", \"options\": {\"scramble\": true}},",
    })
    void rejectsBadFieldsByPath(String message, String replacement) {
        // The replacement comes first; JSON forbids duplicates, so drop the original field of that name.
        String key = replacement.substring(1, replacement.indexOf('"', 1));
        String spec = removeField(VALID, key).replaceFirst("\\{", "{" + replacement + " ");
        assertThatThrownBy(() -> parser.parse(spec)).isInstanceOf(SpecException.class).hasMessageStartingWith(message);
    }

    @Test
    void aGridTooBigIsRefusedBeforeItsValuesAreMade() {
        // 1,000 int ranges of 99,999 values each, a spec of 40 KB: their 10^8 values were made before the grid's size
        // was refused, and a few such specs at once filled a server's memory for minutes.
        StringBuilder space = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            space.append(i == 0 ? "" : ", ").append("\"p").append(i).append("\": {\"type\": \"int\", \"low\": 0, \"high\": 99998}");
        }
        String spec = "{\"name\": \"g\", \"trials\": 1, \"sampler\": {\"type\": \"grid\"}, \"trainable\": {\"type\":"
                + " \"quadratic\"}, \"space\": {" + space + "}}";
        assertThatThrownBy(() -> parser.parse(spec)).isInstanceOf(SpecException.class)
                .hasMessage("sampler.options.grid: the grid has more than 100000 points");
    }

    @Test
    void rejectsBrokenJson() {
        assertThatThrownBy(() -> parser.parse("{\"name\": ")).hasMessageStartingWith("malformed JSON");
        // Advice meant for the parser's programmer is left out.
        assertThatThrownBy(() -> parser.parse("{\"trials\": NaN}")).hasMessage("malformed JSON: Non-standard token 'NaN'"
                + " (line 1, column 15)");
        assertThatThrownBy(() -> parser.parse("[".repeat(1001) + "]".repeat(1001)))
                .hasMessageStartingWith("malformed JSON:").hasMessageNotContaining("`");
        assertThatThrownBy(() -> parser.parse("{\"name\": \"a\", \"name\": \"b\"}")).hasMessageStartingWith("malformed JSON");
        assertThatThrownBy(() -> parser.parse("{} {}")).hasMessage("malformed JSON: more after the spec's closing brace"
                + " (line 1, column 4)");
        // A byte order mark, as some editors write, is not part of the JSON.
        assertThat(parser.parse("\uFEFF" + VALID).name()).isEqualTo(parser.parse(VALID).name());
        assertThatThrownBy(() -> parser.parse("{\"name\": \"a\",\n \"space\": {")).hasMessage("malformed JSON:"
                + " Unexpected end-of-input: expected close marker for Object (it opened at line 2, column 11)"
                + " (line 2, column 12)");
        assertThatThrownBy(() -> parser.parse("[]")).hasMessage("expected an object, got an array");
        assertThatThrownBy(() -> parser.parse("")).hasMessageContaining("empty");
    }

    @Test
    void rejectsHugeAndNonFiniteNumbers() {
        assertThatThrownBy(() -> parser.parse(with("trials", "1e400"))).hasMessageStartingWith("trials:");
        assertThatThrownBy(() -> parser.parse(with("trials", "99999999999999999999999"))).hasMessageStartingWith("trials: must be between");
        assertThatThrownBy(() -> parser.parse(removeField(VALID, "space").replaceFirst("\\{",
                "{\"space\": {\"x\": {\"type\": \"float\", \"low\": -1e400, \"high\": 1}}, ")))
                .hasMessageStartingWith("space.x.low: expected a finite number");
    }

    /** The spec without one top-level field (its value must be a single-line JSON value). */
    static String removeField(String spec, String key) {
        int at = spec.indexOf("\"" + key + "\":");
        if (at < 0) {
            return spec;
        }
        int depth = 0;
        int i = spec.indexOf(':', at) + 1;
        for (; i < spec.length(); i++) {
            char c = spec.charAt(i);
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (depth == 0) {
                    break;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                i++;
                break;
            }
        }
        String rest = spec.substring(i);
        String head = spec.substring(0, at).stripTrailing();
        if (rest.stripLeading().startsWith("}") && head.endsWith(",")) {
            head = head.substring(0, head.length() - 1);
        }
        return head + " " + rest;
    }
}
