package dev.tuna.web.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;

/**
 * What a user reads in the help of a command line with subcommands ({@code tuna}, {@code tuna bench}): a whole
 * sentence per command in the list, and no sentence broken into a stub line. Each command line's test extends it.
 */
public abstract class HelpContract {

    /** A fresh command line to test, as its main method makes it. */
    protected abstract CommandLine commandLine();

    @Test
    void theCommandListGivesEveryCommandAWholeSentence() {
        List<String> entries = commandEntries(help());

        assertThat(entries).hasSize(commandLine().getSubcommands().size());
        // A summary cut off at the end of its first source line ("..., GP sampler and") reads as a broken sentence.
        assertThat(entries).allSatisfy(entry -> assertThat(entry).endsWith("."));
    }

    @Test
    void noCommandsHelpLeavesAFewWordsOfASentenceOnALineOfTheirOwn() {
        for (String name : commandLine().getSubcommands().keySet()) {
            for (String line : help(name).split("\n")) {
                // Header and description lines start at the margin; options, parameters and wrapped usage do not.
                boolean prose = !line.isBlank() && !line.startsWith(" ") && !line.startsWith("Usage:");
                if (prose && !line.endsWith(".") && !line.endsWith(":")) {
                    assertThat(line.length()).as("%s --help: %s", name, line).isGreaterThan(50);
                }
            }
        }
    }

    /** The help of the command line or of one subcommand ({@code --help}), without colours. */
    private String help(String... subcommand) {
        StringWriter out = new StringWriter();
        CommandLine cl = commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(Ansi.OFF));
        List<String> args = new ArrayList<>(List.of(subcommand));
        args.add("--help");
        assertThat(cl.execute(args.toArray(String[]::new))).as(String.join(" ", args)).isZero();
        return out.toString();
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
