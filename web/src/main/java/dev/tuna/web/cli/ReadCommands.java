package dev.tuna.web.cli;

import dev.tuna.core.storage.FileErrors;
import dev.tuna.web.server.ApiToken;
import dev.tuna.web.server.ServerRuntime;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The commands that read studies from a data folder or a server: {@code studies}, {@code trials}, {@code best}, {@code export}. */
final class ReadCommands {
    private ReadCommands() {
    }

    /** A study's name as given: any stored name, those made in code included (a spec's rules are narrower). */
    static String name(String name) {
        if (name.isBlank()) {
            throw new IllegalArgumentException("NAME: must not be blank");
        }
        return name;
    }

    static String number(JsonNode v) {
        if (v == null || v.isNull()) {
            return "-";
        }
        return v.isNumber() ? String.format(Locale.ROOT, "%.6g", v.asDouble()) : v.asText();
    }

    static String json(JsonNode node) {
        try {
            return StudySource.JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What every read command does: opens the data folder or server, prints, flushes. */
    abstract static class ReadCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        SourceOptions source;

        @Override
        public final Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (StudySource s = source.open()) {
                print(s, out);
            }
            out.flush();
            return 0;
        }

        abstract void print(StudySource s, PrintWriter out);
    }

    /** {@code tuna studies}. */
    @Command(name = "studies", mixinStandardHelpOptions = true, description = "Lists the studies: state, progress, best value.")
    static final class Studies extends ReadCommand {
        @Override
        void print(StudySource s, PrintWriter out) {
            Iterable<JsonNode> studies = s.studies(); // read first: a failure prints its one line and no header
            // As wide as its longest entry: a study made in code names its sampler's class ("RandomSampler").
            int samplerWidth = 8;
            for (JsonNode st : studies) {
                samplerWidth = Math.max(samplerWidth, st.path("sampler").asText("").length());
            }
            String samplerColumn = "%-" + samplerWidth + "s";
            out.printf("%-24s %-9s %-10s %-12s " + samplerColumn + " %s%n", "NAME", "STATE", "FINISHED", "BEST", "SAMPLER",
                    "PRUNER");
            for (JsonNode st : studies) {
                // A scheduled study's trials are per firing: its finished trials are not a share of them.
                boolean scheduled = st.hasNonNull("cron");
                String progress = st.get("finished").asText() + (!st.hasNonNull("trials") ? ""
                        : scheduled ? " (" + st.get("trials").asText() + "/run)" : "/" + st.get("trials").asText());
                JsonNode best = st.get("best");
                // A server says why a study's last run failed (its database, a cron that no longer fires): idle alone
                // would not tell.
                String error = st.hasNonNull("error") ? "  (last run: " + Terminal.printable(st.get("error").asText()) + ")"
                        : st.path("timedOut").asBoolean() ? "  (its timeout ran out)" : "";
                out.printf("%s %-9s %-10s %-12s " + samplerColumn + " %s%s%n", Terminal.padded(Terminal.printable(st.get("name").asText()), 24),
                        st.get("state").asText(), progress,
                        best == null || best.isNull() ? "-" : number(best.get("value")),
                        st.hasNonNull("sampler") ? st.get("sampler").asText() : "-",
                        st.hasNonNull("pruner") ? st.get("pruner").asText() : "-", error);
            }
        }
    }

    /** {@code tuna trials NAME}. */
    @Command(name = "trials", mixinStandardHelpOptions = true, description = "Lists the trials of a study.")
    static final class Trials extends ReadCommand {
        @Parameters(paramLabel = "NAME", description = "The study.")
        String study;

        @Option(names = "--state", split = ",", paramLabel = "STATE",
                description = "Only the trials in these states (COMPLETE, PRUNED, FAIL, RUNNING, WAITING; comma-separated).")
        List<dev.tuna.core.TrialState> states;

        @Override
        void print(StudySource s, PrintWriter out) {
            Iterable<JsonNode> trials = s.trials(name(study));
            out.printf("%5s %-9s %-12s %9s  %s%n", "#", "STATE", "VALUE", "SECONDS", "PARAMS / REASON");
            for (JsonNode t : trials) {
                if (states != null && states.stream().noneMatch(st -> st.name().equals(t.get("state").asText()))) {
                    continue;
                }
                String params = json(t.get("params"));
                String reason = t.hasNonNull("reason") ? "  (" + Terminal.printable(t.get("reason").asText()) + ")" : "";
                out.printf(Locale.ROOT, "%5d %-9s %-12s %9.2f  %s%s%n", t.get("number").asInt(), t.get("state").asText(),
                        number(t.get("value")), t.get("durationMillis").asLong() / 1000.0, params, reason);
            }
        }
    }

    /** {@code tuna best NAME [--json]}. */
    @Command(name = "best", mixinStandardHelpOptions = true, description = "Prints the best trial of a study.")
    static final class Best extends ReadCommand {
        @Parameters(paramLabel = "NAME", description = "The study.")
        String study;
        @Option(names = "--json", description = "Print {\"number\": N, \"value\": V, \"params\": {...}, \"metrics\": {...},"
                + " \"userAttrs\": {...}}.")
        boolean asJson;

        @Override
        void print(StudySource s, PrintWriter out) {
            JsonNode best = s.best(name(study));
            if (asJson) {
                out.println(json(best));
            } else {
                out.printf("Best trial #%d: value %s%n", best.get("number").asInt(), number(best.get("value")));
                best.get("params").properties().forEach(p -> out.printf("  %s = %s%n", Terminal.printable(p.getKey()),
                        Terminal.printable(p.getValue().asText())));
                // Its metrics' last values, as Ray Tune's best result has them (a server of an earlier version sends none).
                best.path("metrics").properties().forEach(m -> out.printf("  metric %s = %s%n",
                        Terminal.printable(m.getKey()), number(m.getValue())));
            }
        }
    }

    /** {@code tuna export NAME --format csv|json}. */
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Writes every trial of a study as CSV (one row per trial; a column per parameter, per metric"
                    + " with its last value, and per user attribute) or JSON (all curves).")
    static final class Export extends ReadCommand {
        enum Format { csv, json }

        @Parameters(paramLabel = "NAME", description = "The study.")
        String study;
        @Option(names = "--format", required = true, description = "csv or json.")
        Format format;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of the standard output ('-').")
        Path output;

        @Override
        void print(StudySource s, PrintWriter out) {
            boolean toFile = output != null && !output.toString().equals("-");
            if (toFile) {
                refuseDataFiles(output); // before the study is read
            }
            List<JsonNode> trials = s.trials(name(study));
            String text = format == Format.json ? json(StudySource.JSON.valueToTree(trials)) + "\n" : csv(trials);
            if (!toFile) {
                out.print(text);
                out.flush();
                if (out.checkError()) { // a PrintWriter keeps its errors to itself: a full disk gave a cut file and exit 0
                    throw new IllegalStateException("could not write all of the export to the standard output");
                }
                return;
            }
            write(output, text);
        }

        /**
         * Writes the export to a file: beside it first, then moved over it, so that a write that fails leaves no cut
         * file and an older one intact, with its permissions; a device, a pipe or a link is written where it leads.
         */
        private static void write(Path output, String text) {
            Path tmp = output.toAbsolutePath().resolveSibling("." + output.getFileName() + ".tmp");
            try {
                if (Files.exists(output) && (Files.isSymbolicLink(output) || !Files.isRegularFile(output))) {
                    // A device, a pipe or a link: written where it leads, never replaced by a file of ours.
                    Files.writeString(output, text);
                    return;
                }
                Files.deleteIfExists(tmp);
                if (Files.exists(output) && output.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    // Made with the old file's permissions: a private export stays private, even while written.
                    Files.createFile(tmp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            Files.getPosixFilePermissions(output)));
                }
                Files.writeString(tmp, text);
                Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                // Named as given: the temporary file beside it is ours, not the user's.
                throw new UncheckedIOException("--output " + output + ": " + FileErrors.describe(e)
                        .replace(tmp.toString(), output.toAbsolutePath().toString()), e);
            }
        }

        /**
         * Refuses an output that is (or leads by a link to) a data folder's own file, its data file, the data
         * file's journal or the API token: an export written over one lost every study, also one a server holds open.
         */
        static void refuseDataFiles(Path output) {
            Path target;
            try {
                target = Files.exists(output) ? output.toRealPath() : output.toAbsolutePath().normalize();
            } catch (IOException e) {
                throw new UncheckedIOException("--output " + output + ": " + FileErrors.describe(e), e);
            }
            String name = String.valueOf(target.getFileName());
            String db = ServerRuntime.DB_FILE;
            boolean dataFile = name.equals(db) || name.startsWith(db + ".journal") || name.equals(db + ".tmp")
                    || name.equals(ApiToken.FILE);
            // Or a data file by another name, that the folder's tuna.db links to: its journal is beside it.
            boolean linkedDataFile = Files.exists(target.resolveSibling(name + ".journal"))
                    || name.endsWith(".journal") && Files.exists(target.resolveSibling(name.substring(0,
                    name.length() - ".journal".length())));
            if (linkedDataFile || dataFile && Files.exists(target.resolveSibling(ServerRuntime.DB_FILE))) {
                throw new UsageException("--output: " + output + " is a file of the data folder "
                        + target.getParent() + ": writing there would destroy its studies; choose another file");
            }
        }

        /**
         * One row per trial: its outcome, a column per parameter, per metric (its last reported value, as Ray Tune's
         * results table has) and per user attribute (as Optuna's {@code trials_dataframe}).
         */
        static String csv(List<JsonNode> trials) {
            Set<String> params = names(trials, "params");
            Set<String> metrics = names(trials, "metrics");
            Set<String> attrs = names(trials, "userAttrs");
            StringBuilder b = new StringBuilder();
            List<String> header = new ArrayList<>(List.of("number", "state", "value", "duration_ms", "device", "reason"));
            // The cluster node that ran each trial, where a cluster ran them.
            boolean nodes = trials.stream().anyMatch(t -> t.hasNonNull("node"));
            if (nodes) {
                header.add(5, "node");
            }
            params.forEach(p -> header.add("param_" + p));
            metrics.forEach(m -> header.add("metric_" + m));
            attrs.forEach(a -> header.add("user_" + a));
            row(b, header);
            for (JsonNode t : trials) {
                List<String> cells = new ArrayList<>();
                cells.add(t.get("number").asText());
                cells.add(t.get("state").asText());
                cells.add(t.hasNonNull("value") ? t.get("value").asText() : "");
                cells.add(t.get("durationMillis").asText());
                cells.add(t.hasNonNull("device") ? t.get("device").asText() : "");
                if (nodes) {
                    cells.add(t.hasNonNull("node") ? t.get("node").asText() : "");
                }
                cells.add(t.hasNonNull("reason") ? t.get("reason").asText() : "");
                params.forEach(p -> cells.add(t.get("params").hasNonNull(p) ? t.get("params").get(p).asText() : ""));
                metrics.forEach(m -> cells.add(lastValue(t.path("metrics").path(m))));
                attrs.forEach(a -> {
                    JsonNode v = t.path("userAttrs").path(a);
                    cells.add(v.isMissingNode() || v.isNull() ? "" : v.isValueNode() ? v.asText() : v.toString());
                });
                row(b, cells);
            }
            return b.toString();
        }

        /** The field names of every trial's {@code field} object, in the order first seen. */
        private static Set<String> names(List<JsonNode> trials, String field) {
            Set<String> names = new LinkedHashSet<>();
            trials.forEach(t -> t.path(field).fieldNames().forEachRemaining(names::add));
            return names;
        }

        /** A curve's ({@code {"1": 0.5, "2": 0.4}}, by step) value at its last step, or empty. */
        private static String lastValue(JsonNode curve) {
            String last = "";
            int lastStep = Integer.MIN_VALUE;
            for (var e : (Iterable<java.util.Map.Entry<String, JsonNode>>) curve::fields) {
                int step = Integer.parseInt(e.getKey());
                if (step >= lastStep) {
                    lastStep = step;
                    last = e.getValue().isNull() ? "" : e.getValue().asText();
                }
            }
            return last;
        }

        private static void row(StringBuilder b, List<String> cells) {
            for (int i = 0; i < cells.size(); i++) {
                String c = formulaSafe(cells.get(i));
                if (i > 0) {
                    b.append(',');
                }
                b.append(needsQuotes(c) ? "\"" + c.replace("\"", "\"\"") + "\"" : c);
            }
            b.append('\n');
        }

        /**
         * Whether a cell must be quoted (RFC 4180): a quote, a comma or a line break anywhere in it (Unicode's too,
         * which some readers split lines on), or a space at an end. A regular expression's "." stops at a line
         * break: a cell of two lines, or with \r\n, went out unquoted and split the row.
         */
        static boolean needsQuotes(String cell) {
            for (int i = 0; i < cell.length(); i++) {
                if ("\",\r\n\u0085\u2028\u2029".indexOf(cell.charAt(i)) >= 0) {
                    return true;
                }
            }
            return cell.startsWith(" ") || cell.endsWith(" ");
        }

        /**
         * A text cell that a spreadsheet would run as a formula (it starts with {@code = + - @}, a tab or a carriage
         * return: a failure reason or a categorical value from user code) gets a leading apostrophe, as OWASP
         * advises against CSV injection; numbers, {@code -1.5} or {@code -Infinity}, are left as they are.
         */
        static String formulaSafe(String cell) {
            if (cell.isEmpty() || "=+-@\t\r".indexOf(cell.charAt(0)) < 0) {
                return cell;
            }
            try {
                Double.parseDouble(cell);
                return cell;
            } catch (NumberFormatException e) {
                return "'" + cell;
            }
        }
    }
}
