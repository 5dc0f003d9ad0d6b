package dev.tuna.web.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadCommandsTest {

    /** A server's answer, as the read commands get it. */
    private static StudySource serverSaying(String studiesJson) {
        return new StudySource() {
            @Override
            public JsonNode studies() {
                try {
                    return JSON.readTree(studiesJson);
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public List<JsonNode> trials(String study) {
                return List.of();
            }

            @Override
            public JsonNode best(String study) {
                return JSON.nullNode();
            }

            @Override
            public void delete(String study) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void theStudiesListSaysWhyAStudysLastRunFailed() {
        StringWriter text = new StringWriter();
        new ReadCommands.Studies().print(serverSaying("""
                [{"name": "gave-up", "state": "idle", "finished": 12, "trials": 40, "best": null, "sampler": "gp",
                  "pruner": "asha", "error": "cannot write tuna.db.journal: No space left on device"},
                 {"name": "fine", "state": "running", "finished": 3, "trials": 40, "best": null},
                 {"name": "budget", "state": "stopped", "finished": 7, "trials": 40, "best": null, "timedOut": true}]
                """), new PrintWriter(text, true));
        List<String> lines = text.toString().lines().toList();
        assertThat(lines.get(1)).startsWith("gave-up ").contains("idle", "12/40")
                .endsWith("  (last run: cannot write tuna.db.journal: No space left on device)");
        assertThat(lines.get(2)).doesNotContain("last run");
        assertThat(lines.get(3)).startsWith("budget ").contains("stopped").endsWith("  (its timeout ran out)");
    }

    @Test
    void theStudiesListKeepsItsColumnsUnderLongSamplerNames() {
        StringWriter text = new StringWriter();
        new ReadCommands.Studies().print(serverSaying("""
                [{"name": "coded", "state": "complete", "finished": 3, "best": null, "sampler": "RandomSampler",
                  "pruner": "NopPruner"},
                 {"name": "spec", "state": "complete", "finished": 3, "trials": 3, "best": null, "sampler": "gp",
                  "pruner": "asha"}]
                """), new PrintWriter(text, true));
        List<String> lines = text.toString().lines().toList();
        int pruner = lines.get(0).indexOf("PRUNER");
        assertThat(lines.get(1).indexOf("NopPruner")).isEqualTo(pruner);
        assertThat(lines.get(2).indexOf("asha")).isEqualTo(pruner);
    }

    @Test
    void csvCellsThatASpreadsheetWouldRunAsFormulasAreQuotedAndNumbersAreNot() throws Exception {
        List<JsonNode> trials = List.of(StudySource.JSON.readTree("""
                {"number": 0, "state": "FAIL", "value": -1.5, "durationMillis": 7, "device": null,
                 "reason": "=HYPERLINK(\\"http://x\\")", "params": {"act": "+relu", "lr": -0.25, "tag": "@home",
                 "w": "-Infinity", "dash": "-x"}}
                """));
        List<String> lines = ReadCommands.Export.csv(trials).lines().toList();
        assertThat(lines.get(0)).isEqualTo("number,state,value,duration_ms,device,reason,param_act,param_lr,param_tag,"
                + "param_w,param_dash");
        assertThat(lines.get(1)).isEqualTo("0,FAIL,-1.5,7,,\"'=HYPERLINK(\"\"http://x\"\")\",'+relu,-0.25,'@home,-Infinity,'-x");
    }

    @Test
    void csvCellsWithLineBreaksAnywhereAreQuoted() throws Exception {
        // "." stops at a line break: a cell of two lines went out unquoted, and its second line, a formula, became a row.
        List<JsonNode> trials = List.of(StudySource.JSON.readTree("""
                {"number": 0, "state": "COMPLETE", "value": 1, "durationMillis": 7, "device": null, "reason": null,
                 "params": {"a": "a\\n\\n=HYPERLINK(\\"http://x\\",\\"y\\")", "b": "x\\r\\ny", "c": "p\\u2028q,r", "d": "end "}}
                """));
        String csv = ReadCommands.Export.csv(trials);
        assertThat(csv).endsWith("\"a\n\n=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"x\r\ny\",\"p\u2028q,r\",\"end \"\n");
    }

    @Test
    void csvHasAColumnPerMetricWithItsLastValueAndPerUserAttribute() throws Exception {
        // Ray Tune's results table has each trial's final metrics, Optuna's trials_dataframe its user attributes.
        List<JsonNode> trials = List.of(StudySource.JSON.readTree("""
                {"number": 0, "state": "COMPLETE", "value": 0.9, "durationMillis": 7, "device": "cpu", "reason": null,
                 "params": {"lr": 0.01}, "metrics": {"val_loss": {"1": 0.5, "2": 0.25, "10": 0.125}},
                 "userAttrs": {"note": "first", "tags": ["a", "b"]}}
                """), StudySource.JSON.readTree("""
                {"number": 1, "state": "PRUNED", "value": 0.4, "durationMillis": 3, "device": "cpu", "reason": "pruned",
                 "params": {"lr": 0.1}, "metrics": {"train_loss": {"1": 2.0}}, "userAttrs": {}}
                """));
        List<String> lines = ReadCommands.Export.csv(trials).lines().toList();
        assertThat(lines).containsExactly(
                "number,state,value,duration_ms,device,reason,param_lr,metric_val_loss,metric_train_loss,user_note,user_tags",
                "0,COMPLETE,0.9,7,cpu,,0.01,0.125,,first,\"[\"\"a\"\",\"\"b\"\"]\"",
                "1,PRUNED,0.4,3,cpu,pruned,0.1,,2.0,,");
    }

    @Test
    void csvHasANodeColumnWhereAClusterRanTheTrials() throws Exception {
        List<JsonNode> trials = List.of(StudySource.JSON.readTree("""
                {"number": 0, "state": "COMPLETE", "value": 0.9, "durationMillis": 7, "device": "cpu", "reason": null,
                 "node": "gpu-box:17", "params": {}}
                """), StudySource.JSON.readTree("""
                {"number": 1, "state": "FAIL", "value": null, "durationMillis": 3, "device": null, "reason": "x",
                 "node": null, "params": {}}
                """));
        assertThat(ReadCommands.Export.csv(trials).lines().toList()).containsExactly(
                "number,state,value,duration_ms,device,node,reason", "0,COMPLETE,0.9,7,cpu,gpu-box:17,", "1,FAIL,,3,,,x");
    }
}
