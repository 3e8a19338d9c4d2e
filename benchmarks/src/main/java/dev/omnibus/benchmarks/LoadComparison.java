package dev.omnibus.benchmarks;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One row of a load tool's summary: a baseline and a candidate (Omnibus, or Omnibus in another mode)
 * measured side by side in each round. It keeps every round's two rates and reports the best rate
 * of each side, the ratio of those bests, and the <b>best and the median of the rounds' own
 * candidate / baseline ratios</b>: a round's two runs share the machine's load of the moment, so its
 * ratio is the steadier figure on a shared machine.
 *
 * <p>Not thread-safe: the tools fill it from their main thread.
 */
public final class LoadComparison {
    private final String name;
    private final double[] baseline;
    private final double[] candidate;
    private int rounds;

    /** A row called {@code name} with room for {@code rounds} rounds. */
    public LoadComparison(String name, int rounds) {
        this.name = name;
        this.baseline = new double[rounds];
        this.candidate = new double[rounds];
    }

    /** Records one round's rates (any unit, the same on both sides); returns its candidate / baseline ratio. */
    public double add(double baselineRate, double candidateRate) {
        baseline[rounds] = baselineRate;
        candidate[rounds] = candidateRate;
        rounds++;
        return candidateRate / baselineRate;
    }

    public double bestBaseline() {
        return max(Arrays.copyOf(baseline, rounds));
    }

    public double bestCandidate() {
        return max(Arrays.copyOf(candidate, rounds));
    }

    public double bestRatio() {
        return max(ratios());
    }

    public double medianRatio() {
        return median(ratios());
    }

    private double[] ratios() {
        double[] r = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            r[i] = candidate[i] / baseline[i];
        }
        return r;
    }

    /** The rounds' own ratios, as {@code 0.91, 0.87, …}. */
    public String roundRatios() {
        StringBuilder b = new StringBuilder();
        for (double r : ratios()) {
            b.append(b.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", r));
        }
        return b.toString();
    }

    /**
     * Prints the summary table: one line per row with the best rate of each side, the ratio of the
     * bests, and the best and median per-round ratio.
     */
    public static void print(String title, String baselineHeader, String candidateHeader, List<LoadComparison> rows) {
        int width = Math.max(28, rows.stream().mapToInt(r -> r.name.length()).max().orElse(0));
        String head = "%-" + width + "s %14s %14s %8s %11s %12s%n";
        String row = "%-" + width + "s %,14.0f %,14.0f %8.2f %11.2f %12.2f%n";
        System.out.printf(Locale.ROOT, head, title, baselineHeader, candidateHeader, "ratio", "best ratio", "median ratio");
        for (LoadComparison r : rows) {
            System.out.printf(Locale.ROOT, row, r.name, r.bestBaseline(), r.bestCandidate(),
                    r.bestCandidate() / r.bestBaseline(), r.bestRatio(), r.medianRatio());
        }
        System.out.println("(ratio: of the best rates; best / median ratio: of the rounds' own ratios)");
    }

    /** The largest value, NaN for none. */
    public static double max(double[] xs) {
        return Arrays.stream(xs).max().orElse(Double.NaN);
    }

    /** The median, NaN for none. */
    public static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** Seconds since {@code startNanos} ({@link System#nanoTime()}). */
    public static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
