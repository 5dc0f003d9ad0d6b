package dev.tuna.web.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code tuna} command line, main class of the runnable jar. Each job is a subcommand; errors end the
 * process with a one-line message and a non-zero exit code.
 */
@Command(name = "tuna", mixinStandardHelpOptions = true, versionProvider = TunaCommand.Version.class,
        description = "Hyperparameter tuning for the JVM.",
        subcommands = {DemoCommand.class, ServeCommand.class, RunCommand.class, SubmitCommand.class, WorkerCommand.class,
                ReadCommands.Studies.class, ReadCommands.Trials.class, ReadCommands.Best.class, ReadCommands.Export.class,
                ControlCommands.Stop.class, ControlCommands.Resume.class, ControlCommands.Delete.class,
                HelpCommand.class})
public final class TunaCommand implements Runnable {

    @Spec
    CommandSpec spec;

    /** Runs the command line and exits with its exit code. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** A command line with Tuna's error handling, ready to {@link CommandLine#execute execute}. */
    public static CommandLine commandLine() {
        // States and formats as users write them: --state complete, --format CSV.
        return OneLineErrorHandler.install(new CommandLine(new TunaCommand()).setCaseInsensitiveEnumValuesAllowed(true));
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing a command, e.g. 'tuna demo'");
    }

    /** The version the build wrote into {@code tuna-version.properties}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = TunaCommand.class.getResourceAsStream("/tuna-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"tuna " + p.getProperty("version", "(unknown version)")};
        }
    }
}
