package dev.tuna.web.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tuna submit SPEC.json --server URL}: submits a study to a server, which checks and runs it. */
@Command(name = "submit", mixinStandardHelpOptions = true, description = "Submits the study of SPEC.json to a server.")
final class SubmitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SPEC.json", description = "The study spec ('-': standard input).")
    Path specFile;

    @Mixin
    ServerOptions server;

    @Option(names = "--load-if-exists", description = "Where the server has a study of the spec's name, go on with it"
            + " up to the spec's number of trials (its other settings must be the same), as Optuna's load_if_exists.")
    boolean loadIfExists;

    @Override
    public Integer call() {
        String json = SpecFile.read(specFile);
        StudySource.Remote remote = server.remote();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(remote.base() + "/api/studies"
                        + (loadIfExists ? "?loadIfExists=true" : "")))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        StudySource.Remote.Answer answer = remote.exchange(request, "submit");
        JsonNode study = answer.body();
        boolean goesOn = answer.status() == 200; // 201: created
        spec.commandLine().getOut().printf("%s study '%s': %s/api/studies/%s%n", goesOn ? "Going on with" : "Submitted",
                study.get("name").asText(), remote.base(), study.get("name").asText());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
