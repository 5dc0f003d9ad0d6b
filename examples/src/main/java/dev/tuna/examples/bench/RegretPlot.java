package dev.tuna.examples.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** Draws median best-so-far regret against trial number, one panel per function, log scale, with Java2D. */
final class RegretPlot {
    private static final Color[] COLOURS = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b)};
    private static final int PANEL_W = 520;
    private static final int PANEL_H = 380;
    private static final double FLOOR = 1e-6;

    private RegretPlot() {
    }

    static void write(Map<String, Map<String, double[]>> curves, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int panels = curves.size();
        int columns = Math.min(2, panels);
        int rows = (panels + columns - 1) / columns;
        BufferedImage image = new BufferedImage(columns * PANEL_W, rows * PANEL_H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        int index = 0;
        for (Map.Entry<String, Map<String, double[]>> e : curves.entrySet()) {
            panel(g, e.getKey(), e.getValue(), (index % columns) * PANEL_W, (index / columns) * PANEL_H);
            index++;
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static void panel(Graphics2D g, String title, Map<String, double[]> lines, int ox, int oy) {
        int left = ox + 70;
        int right = ox + PANEL_W - 20;
        int top = oy + 35;
        int bottom = oy + PANEL_H - 45;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        int trials = 1;
        for (double[] line : lines.values()) {
            trials = Math.max(trials, line.length);
            for (double v : line) {
                double l = Math.log10(Math.max(FLOOR, v));
                lo = Math.min(lo, l);
                hi = Math.max(hi, l);
            }
        }
        lo = Math.floor(lo);
        hi = Math.max(lo + 1, Math.ceil(hi));
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title + ": median best-so-far regret", left, oy + 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.drawRect(left, top, right - left, bottom - top);
        for (int p = (int) lo; p <= (int) hi; p++) {
            int y = (int) (bottom - (p - lo) / (hi - lo) * (bottom - top));
            g.setColor(new Color(0xdddddd));
            g.drawLine(left + 1, y, right - 1, y);
            g.setColor(Color.BLACK);
            g.drawString("1e" + p, ox + 30, y + 4);
        }
        for (int t = 0; t <= trials; t += Math.max(1, trials / 5)) {
            int x = left + (int) ((double) t / trials * (right - left));
            g.drawLine(x, bottom, x, bottom + 4);
            g.drawString(Integer.toString(t), x - 8, bottom + 16);
        }
        g.drawString("trial", (left + right) / 2 - 10, bottom + 32);
        int k = 0;
        for (Map.Entry<String, double[]> e : lines.entrySet()) {
            Color c = COLOURS[k % COLOURS.length];
            g.setColor(c);
            g.setStroke(new BasicStroke(2f));
            double[] line = e.getValue();
            int px = -1;
            int py = -1;
            for (int t = 0; t < line.length; t++) {
                int x = left + (int) ((double) (t + 1) / trials * (right - left));
                double l = Math.log10(Math.max(FLOOR, line[t]));
                int y = (int) (bottom - (l - lo) / (hi - lo) * (bottom - top));
                if (px >= 0) {
                    g.drawLine(px, py, x, y);
                }
                px = x;
                py = y;
            }
            g.setStroke(new BasicStroke(1f));
            g.fillRect(right - 150, top + 10 + 16 * k, 14, 4);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%s", e.getKey()), right - 130, top + 16 + 16 * k);
            k++;
        }
    }
}
