package dev.tuna.web.cli;

import static dev.tuna.web.cli.TunaRun.tuna;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The help of {@code tuna} and of each of its commands, as a user reads it. */
class TunaCommandTest {

    @Test
    void theCommandListGivesEveryCommandAWholeSentence() {
        TunaRun run = tuna("--help");

        assertThat(run.code()).isZero();
        List<String> entries = commandEntries(run.out());
        assertThat(entries).hasSize(TunaCommand.commandLine().getSubcommands().size());
        // A summary cut off at the end of its first source line ("..., GP sampler and") reads as a broken sentence.
        assertThat(entries).allSatisfy(entry -> assertThat(entry).endsWith("."));
    }

    @Test
    void noCommandsHelpLeavesAFewWordsOfASentenceOnALineOfTheirOwn() {
        for (String name : TunaCommand.commandLine().getSubcommands().keySet()) {
            TunaRun run = tuna(name, "--help");

            assertThat(run.code()).as(name).isZero();
            for (String line : run.out().split("\n")) {
                // Header and description lines start at the margin; options, parameters and wrapped usage do not.
                boolean prose = !line.isBlank() && !line.startsWith(" ") && !line.startsWith("Usage:");
                if (prose && !line.endsWith(".") && !line.endsWith(":")) {
                    assertThat(line.length()).as("tuna %s --help: %s", name, line).isGreaterThan(50);
                }
            }
        }
    }

    /** Each entry of the help's command list: its name and its summary, continuation lines joined. */
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
