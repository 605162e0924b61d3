package dev.finch.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import javax.imageio.ImageIO;

/**
 * The throughput chart, drawn with the JDK alone (java.awt, headless): one panel per protocol and workload, bars
 * grouped by concurrency, one colour per client, the load tool (wrk / h2load) in grey.
 */
final class Chart {
    private static final int PANEL_W = 620;
    private static final int PANEL_H = 430;
    private static final int TOP = 110;
    private static final Color[] PALETTE = {
        new Color(0xE4, 0x57, 0x1B), // Finch (FinchClient)
        new Color(0xF5, 0xA6, 0x23), // Finch (connection layer)
        new Color(0x1F, 0x77, 0xB4),
        new Color(0x2C, 0xA0, 0x2C),
        new Color(0x94, 0x67, 0xBD),
        new Color(0x17, 0xBE, 0xCF),
        new Color(0x8C, 0x56, 0x4B),
        new Color(0xE3, 0x77, 0xC2),
    };
    private static final Color TOOL = new Color(0x9E, 0x9E, 0x9E);

    private Chart() {}

    /**
     * @param clients clients in legend order (tools last), each drawn where it has a row
     * @param names display name by client
     */
    static void write(
            Path png,
            List<Result> results,
            List<String> protocols,
            List<String> workloads,
            List<String> clients,
            Function<String, String> names,
            String subtitle)
            throws IOException {
        int width = 40 + workloads.size() * (PANEL_W + 20);
        int height = TOP + protocols.size() * (PANEL_H + 30) + 10;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);

        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 22));
        g.drawString("Throughput (requests/s, higher is better) by client, workload and concurrency", 30, 34);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.drawString(subtitle, 30, 56);

        // Legend.
        int x = 30;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
        FontMetrics fm = g.getFontMetrics();
        for (String client : clients) {
            g.setColor(colour(client, clients));
            g.fillRect(x, 74, 16, 16);
            g.setColor(Color.BLACK);
            String label = names.apply(client);
            g.drawString(label, x + 22, 88);
            x += 22 + fm.stringWidth(label) + 26;
        }

        for (int row = 0; row < protocols.size(); row++) {
            for (int col = 0; col < workloads.size(); col++) {
                int px = 30 + col * (PANEL_W + 20);
                int py = TOP + row * (PANEL_H + 30);
                panel(g, px, py, protocols.get(row), workloads.get(col), results, clients);
            }
        }
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(image, "png", png.toFile());
    }

    private static void panel(
            Graphics2D g,
            int px,
            int py,
            String protocol,
            String workload,
            List<Result> results,
            List<String> clients) {
        TreeSet<Integer> concurrencies = new TreeSet<>();
        double max = 0;
        Map<String, Result> byKey = new java.util.HashMap<>();
        for (Result r : results) {
            if (r.protocol().equals(protocol) && r.workload().equals(workload) && r.throughput() > 0) {
                concurrencies.add(r.concurrency());
                max = Math.max(max, r.throughput());
                byKey.put(r.client() + "|" + r.concurrency(), r);
            }
        }
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 17));
        g.drawString(protocol + " · " + workload, px + 8, py + 20);
        int left = px + 70;
        int bottom = py + PANEL_H - 40;
        int top = py + 40;
        int right = px + PANEL_W - 10;
        if (concurrencies.isEmpty()) {
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
            g.drawString("no results", left + 20, (top + bottom) / 2);
            return;
        }
        double scale = niceCeiling(max);

        // Axis and grid.
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        FontMetrics fm = g.getFontMetrics();
        for (int i = 0; i <= 5; i++) {
            double v = scale * i / 5;
            int y = bottom - (int) Math.round((bottom - top) * (v / scale));
            g.setColor(new Color(0xE6, 0xE6, 0xE6));
            g.drawLine(left, y, right, y);
            g.setColor(Color.DARK_GRAY);
            String label = compact(v);
            g.drawString(label, left - 8 - fm.stringWidth(label), y + 5);
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1.2f));
        g.drawLine(left, bottom, right, bottom);
        g.drawLine(left, top, left, bottom);

        int groups = concurrencies.size();
        double groupW = (double) (right - left) / groups;
        int slot = 0;
        for (int c : concurrencies) {
            double gx = left + slot * groupW;
            int present = 0;
            for (String client : clients) {
                if (byKey.containsKey(client + "|" + c)) {
                    present++;
                }
            }
            double barW = Math.min(26, (groupW - 16) / Math.max(1, present));
            double bx = gx + (groupW - barW * present) / 2;
            for (String client : clients) {
                Result r = byKey.get(client + "|" + c);
                if (r == null) {
                    continue;
                }
                int h = (int) Math.round((bottom - top) * (r.throughput() / scale));
                g.setColor(colour(client, clients));
                g.fillRect((int) Math.round(bx), bottom - h, (int) Math.max(2, Math.round(barW) - 2), h);
                if (r.errors() > 0) {
                    g.setColor(Color.RED);
                    g.drawString("!", (int) Math.round(bx) + 2, bottom - h - 3);
                }
                bx += barW;
            }
            g.setColor(Color.BLACK);
            String label = "c=" + c;
            g.drawString(label, (int) Math.round(gx + groupW / 2 - fm.stringWidth(label) / 2.0), bottom + 20);
            slot++;
        }
    }

    static Color colour(String client, List<String> clients) {
        if (client.equals("wrk") || client.equals("h2load")) {
            return TOOL;
        }
        if (client.equals("finch")) {
            return PALETTE[0];
        }
        if (client.equals("finch-conn")) {
            return PALETTE[1];
        }
        int i = 0;
        for (String c : clients) {
            if (c.startsWith("finch") || c.equals("wrk") || c.equals("h2load")) {
                continue;
            }
            if (c.equals(client)) {
                return PALETTE[2 + i % (PALETTE.length - 2)];
            }
            i++;
        }
        return Color.BLACK;
    }

    private static double niceCeiling(double v) {
        double exp = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (m * exp >= v) {
                return m * exp;
            }
        }
        return 10 * exp;
    }

    private static String compact(double v) {
        if (v >= 1000) {
            return String.format(Locale.ROOT, v % 1000 == 0 ? "%.0fk" : "%.1fk", v / 1000);
        }
        return String.format(Locale.ROOT, "%.0f", v);
    }
}
