package dev.tuna.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the benchmarks share about their results: the machine they ran on, and writing the JSON file. */
final class BenchResults {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchResults() {
    }

    /** Writes a report as indented JSON to {@code out}, creating its folder. */
    static void write(Path out, Object report) throws IOException {
        Path file = out.toAbsolutePath().normalize();
        Files.createDirectories(file.getParent());
        JSON.writeValue(file.toFile(), report);
    }

    /** The machine's cores, Java version and OS, in a map a benchmark may add to. */
    static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("java", System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        return m;
    }

    /** The system's load average over the last minute, rounded to two decimals (-1 where unknown). */
    static double loadAverage() {
        return Math.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage() * 100) / 100.0;
    }
}
