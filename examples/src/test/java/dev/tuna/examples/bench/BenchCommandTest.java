package dev.tuna.examples.bench;

import static dev.tuna.examples.bench.BenchRun.bench;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The help of {@code tuna bench} and of each benchmark (the same checks as web's {@code TunaCommandTest}). */
class BenchCommandTest {

    @Test
    void theBenchmarkListGivesEveryBenchmarkAWholeSentence() {
        BenchRun run = bench("--help");

        assertThat(run.code()).isZero();
        List<String> entries = commandEntries(run.out());
        assertThat(entries).hasSize(BenchCommand.commandLine().getSubcommands().size());
        assertThat(entries).allSatisfy(entry -> assertThat(entry).endsWith("."));
    }

    @Test
    void noBenchmarksHelpLeavesAFewWordsOfASentenceOnALineOfTheirOwn() {
        for (String name : BenchCommand.commandLine().getSubcommands().keySet()) {
            BenchRun run = bench(name, "--help");

            assertThat(run.code()).as(name).isZero();
            for (String line : run.out().split("\n")) {
                boolean prose = !line.isBlank() && !line.startsWith(" ") && !line.startsWith("Usage:");
                if (prose && !line.endsWith(".") && !line.endsWith(":")) {
                    assertThat(line.length()).as("tuna bench %s --help: %s", name, line).isGreaterThan(50);
                }
            }
        }
    }

    /** Each entry of the help's command list, continuation lines joined. */
    private static List<String> commandEntries(String help) {
        List<String> entries = new ArrayList<>();
        boolean inList = false;
        for (String line : help.split("\n")) {
            if (line.equals("Commands:")) {
                inList = true;
            } else if (inList && line.matches(" {2}\\S.*")) {
                entries.add(line.strip());
            } else if (inList && line.startsWith("   ")) {
                entries.set(entries.size() - 1, entries.get(entries.size() - 1) + " " + line.strip());
            } else {
                inList = false;
            }
        }
        return entries;
    }
}
