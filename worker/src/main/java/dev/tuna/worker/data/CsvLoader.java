package dev.tuna.worker.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * Reads a comma-separated file with a header line: every column but the label column is a numeric feature.
 * For classification the label column's distinct values (text or numbers) become classes {@code 0..k-1} in
 * sorted order; for regression it must be numeric. Quoted fields and other separators are not supported.
 */
public final class CsvLoader {
    private CsvLoader() {
    }

    /**
     * Reads {@code path}; {@code labelColumn} is a header name, or {@code null} for the last column.
     */
    public static LabeledData read(Path path, String labelColumn, Task task) {
        DatasetRegistry.fileProblem(path).ifPresent(problem -> {
            throw new IllegalArgumentException("csv " + path + ": " + problem);
        });
        List<String> lines;
        try (BufferedReader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            lines = reader.lines().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("csv " + path + ": cannot read: " + e, e);
        }
        if (lines.size() < 2) {
            throw new IllegalArgumentException("csv " + path + ": needs a header line and at least one row");
        }
        String[] header = split(lines.get(0));
        // A file without a header would lose its first row to it, and train on the rest without a word. A first line
        // of numbers is data, unless it counts the columns from 0 (pandas' names for unnamed columns).
        if (Arrays.stream(header).allMatch(CsvLoader::isNumber) && !countsColumns(header)) {
            throw new IllegalArgumentException("csv " + path + ": the first line must name the columns, but it is all"
                    + " numbers (" + lines.get(0).strip() + "): add a header line");
        }
        int label = labelColumn == null ? header.length - 1 : Arrays.asList(header).indexOf(labelColumn);
        if (label < 0) {
            throw new IllegalArgumentException("csv " + path + ": label column '" + labelColumn + "' not in header " + Arrays.toString(header));
        }
        if (header.length < 2) {
            throw new IllegalArgumentException("csv " + path + ": needs at least one feature column besides the label");
        }
        int rows = lines.size() - 1;
        int f = header.length - 1;
        float[] x = new float[rows * f];
        String[] rawLabels = new String[rows];
        for (int r = 0; r < rows; r++) {
            String[] cells = split(lines.get(r + 1));
            if (cells.length != header.length) {
                throw new IllegalArgumentException("csv " + path + ": line " + (r + 2) + " has " + cells.length + " fields, header has " + header.length);
            }
            int k = 0;
            for (int c = 0; c < cells.length; c++) {
                if (c == label) {
                    rawLabels[r] = cells[c];
                } else {
                    x[r * f + k++] = number(cells[c], path, r + 2, header[c]);
                }
            }
        }
        float[] y = new float[rows];
        int classes = 0;
        if (task == Task.REGRESSION) {
            for (int r = 0; r < rows; r++) {
                y[r] = number(rawLabels[r], path, r + 2, header[label]);
            }
        } else {
            TreeMap<String, Integer> index = new TreeMap<>(CsvLoader::compareLabels);
            for (String l : rawLabels) {
                index.put(l, 0);
            }
            List<String> names = new ArrayList<>(index.keySet());
            for (int i = 0; i < names.size(); i++) {
                index.put(names.get(i), i);
            }
            for (int r = 0; r < rows; r++) {
                y[r] = index.get(rawLabels[r]);
            }
            classes = names.size();
            if (classes < 2) {
                throw new IllegalArgumentException("csv " + path + ": label column '" + header[label] + "' has a single class " + names);
            }
        }
        return new LabeledData(x, new long[] {f}, y, classes);
    }

    /** Whether the cells read 0, 1, 2, ... as pandas names columns that have no name. */
    private static boolean countsColumns(String[] cells) {
        for (int i = 0; i < cells.length; i++) {
            if (!cells[i].strip().equals(Integer.toString(i))) {
                return false;
            }
        }
        return true;
    }

    /** Numbers in numeric order ("2" before "10"), text otherwise. */
    private static int compareLabels(String a, String b) {
        try {
            return Double.compare(Double.parseDouble(a), Double.parseDouble(b));
        } catch (NumberFormatException e) {
            return a.compareTo(b);
        }
    }

    private static boolean isNumber(String cell) {
        try {
            Double.parseDouble(cell);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String[] split(String line) {
        String[] cells = line.split(",", -1);
        for (int i = 0; i < cells.length; i++) {
            cells[i] = cells[i].trim();
        }
        return cells;
    }

    private static float number(String cell, Path path, int line, String column) {
        float value;
        try {
            value = Float.parseFloat(cell);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("csv " + path + ": line " + line + ", column '" + column + "': '" + cell + "' is not a number");
        }
        if (!Float.isFinite(value)) {
            // Parsed happily ("NaN", "Infinity", 1e39), it would end every trial as diverged and blame the learning rate.
            throw new IllegalArgumentException("csv " + path + ": line " + line + ", column '" + column + "': '" + cell
                    + "' is not a finite number");
        }
        return value;
    }
}
