package org.chreode.kernels.temporal;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.CostNormalization;

/**
 * The squared-Euclidean cost of a temporal pair kept as coordinates, never as an n × m matrix (spec
 * {@code unbalanced_temporal_ot.md} §9): C_ij = ‖x_i − y_j‖² / s, recomputed tile by tile as
 * <pre>
 *   C_ij = ( ‖x_i‖² + ‖y_j‖² − 2 x_i·y_j ) / s
 * </pre>
 * on coordinates centred at the joint mean (centring leaves every distance unchanged and keeps the norms small, so
 * the expansion loses no more than a few ulps of the largest squared norm).
 *
 * <p>The scale s is fixed at construction: {@code MEAN} is exact without the matrix, because the mean over all pairs
 * is mean‖x‖² + mean‖y‖² − 2 x̄·ȳ; {@code NONE} gives s = 1. {@code MEDIAN} needs every entry and is refused with one
 * sentence (use the stored kernel, or mean). The same normalisation of {@link TemporalCost#squaredEuclidean} gives
 * the same s up to rounding.
 *
 * <p>Layouts: sources row-major (n × d), targets row-major (m × d) and both transposed (d × padded count), padded to
 * a multiple of {@link #PAD} so that vector loops need no tail. Immutable.
 *
 * @since 0.2
 */
public final class PointCloudCost implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    /** Column counts are padded to a multiple of this (two AVX-512 double vectors). */
    public static final int PAD = 16;

    private final int n;
    private final int m;
    private final int d;
    private final double scale;
    private final CostNormalization normalization;
    private final double[] source;
    private final double[] target;
    private final double[] sourceT;
    private final double[] targetT;
    private final double[] sourceNorms;
    private final double[] targetNorms;

    /**
     * @param sourceCoordinates n × d (not modified)
     * @param targetCoordinates m × d (not modified)
     * @param normalization     MEAN or NONE
     * @throws InvalidInputException on empty, ragged or non-finite coordinates, MEDIAN/REFERENCE, or a zero mean
     */
    public PointCloudCost(double[][] sourceCoordinates, double[][] targetCoordinates,
                          CostNormalization normalization) {
        n = rows("source", sourceCoordinates);
        m = rows("target", targetCoordinates);
        d = sourceCoordinates[0].length;
        check("source", sourceCoordinates, d);
        check("target", targetCoordinates, d);
        if (normalization != CostNormalization.MEAN && normalization != CostNormalization.NONE) {
            throw InvalidInputException.parameter("costNormalization", normalization == null ? "null"
                    : normalization.label(), "must be mean or none for the online kernel (the median needs the"
                    + " stored n x m cost; use --kernel stored)");
        }
        this.normalization = normalization;
        double[] mean = new double[d];
        for (double[] x : sourceCoordinates) {
            for (int k = 0; k < d; k++) {
                mean[k] += x[k];
            }
        }
        for (double[] y : targetCoordinates) {
            for (int k = 0; k < d; k++) {
                mean[k] += y[k];
            }
        }
        for (int k = 0; k < d; k++) {
            mean[k] /= (n + m);
        }
        source = centred(sourceCoordinates, mean);
        target = centred(targetCoordinates, mean);
        sourceNorms = norms(source, n);
        targetNorms = norms(target, m);
        sourceT = transposed(source, n);
        targetT = transposed(target, m);
        if (normalization == CostNormalization.MEAN) {
            double[] xBar = columnMeans(source, n);
            double[] yBar = columnMeans(target, m);
            double dot = 0;
            for (int k = 0; k < d; k++) {
                dot += xBar[k] * yBar[k];
            }
            double s = mean(sourceNorms) + mean(targetNorms) - 2 * dot;
            if (!(s > 0) || !Double.isFinite(s)) {
                throw new InvalidInputException("The mean of the cost is " + s + "; it cannot be normalised (do all"
                        + " cells coincide?). Use costNormalization = none.");
            }
            scale = s;
        } else {
            scale = 1.0;
        }
    }

    private static int rows(String name, double[][] x) {
        if (x == null || x.length == 0 || x[0] == null || x[0].length == 0) {
            throw new InvalidInputException("The " + name + " coordinates are empty.");
        }
        return x.length;
    }

    private static void check(String name, double[][] x, int width) {
        for (int i = 0; i < x.length; i++) {
            if (x[i] == null || x[i].length != width) {
                throw new InvalidInputException("The " + name + " coordinates row " + i + " has "
                        + (x[i] == null ? 0 : x[i].length) + " values; expected " + width + ".");
            }
            for (int k = 0; k < width; k++) {
                if (!Double.isFinite(x[i][k])) {
                    throw new InvalidInputException("The " + name + " coordinate [" + i + "][" + k + "] = "
                            + x[i][k] + " is not finite.");
                }
            }
        }
    }

    private double[] centred(double[][] x, double[] mean) {
        double[] out = new double[x.length * d];
        for (int i = 0; i < x.length; i++) {
            for (int k = 0; k < d; k++) {
                out[i * d + k] = x[i][k] - mean[k];
            }
        }
        return out;
    }

    private double[] norms(double[] x, int count) {
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            double s = 0;
            for (int k = 0; k < d; k++) {
                double v = x[i * d + k];
                s += v * v;
            }
            out[i] = s;
        }
        return out;
    }

    private double[] transposed(double[] x, int count) {
        int padded = padded(count);
        double[] out = new double[d * padded];
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < d; k++) {
                out[k * padded + i] = x[i * d + k];
            }
        }
        return out;
    }

    private double[] columnMeans(double[] x, int count) {
        double[] out = new double[d];
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < d; k++) {
                out[k] += x[i * d + k];
            }
        }
        for (int k = 0; k < d; k++) {
            out[k] /= count;
        }
        return out;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** count rounded up to a multiple of {@link #PAD}. */
    public static int padded(int count) {
        return (count + PAD - 1) / PAD * PAD;
    }

    public int sourceCount() {
        return n;
    }

    public int targetCount() {
        return m;
    }

    public int dimension() {
        return d;
    }

    /** The normalising scale s (1 for NONE). */
    public double scale() {
        return scale;
    }

    public CostNormalization normalization() {
        return normalization;
    }

    /** C_ij, one entry (for checks and sparse export). */
    public double entry(int i, int j) {
        double s = 0;
        for (int k = 0; k < d; k++) {
            double diff = source[i * d + k] - target[j * d + k];
            s += diff * diff;
        }
        return s / scale;
    }

    /** The dense n × m cost (small problems and tests only). */
    public double[][] dense() {
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                c[i][j] = entry(i, j);
            }
        }
        return c;
    }

    /**
     * The same cost restricted to some sources and targets (null = all): C'_kl = C_{sourceRows[k], targetRows[l]}
     * exactly (coordinates divided by √s, normalisation NONE). Used by the coarse start.
     */
    PointCloudCost restricted(int[] sourceRows, int[] targetRows) {
        return new PointCloudCost(pick(source, n, sourceRows), pick(target, m, targetRows), CostNormalization.NONE);
    }

    private double[][] pick(double[] flat, int count, int[] which) {
        int size = which == null ? count : which.length;
        double factor = 1.0 / Math.sqrt(scale);
        double[][] out = new double[size][d];
        for (int k = 0; k < size; k++) {
            int i = which == null ? k : which[k];
            for (int c = 0; c < d; c++) {
                out[k][c] = flat[i * d + c] * factor;
            }
        }
        return out;
    }

    /** One side of the pair seen as "rows" of a log-sum-exp: the other side is the "columns". */
    TileSide sources() {
        return new TileSide(n, source, sourceNorms, targetT, targetNorms, m);
    }

    TileSide targets() {
        return new TileSide(m, target, targetNorms, sourceT, sourceNorms, n);
    }

    /**
     * Rows (row-major, count × d), their squared norms, the columns transposed (d × padded(columns)) and theirs.
     * No copies: package-private views of this cost's arrays.
     */
    record TileSide(int rowCount, double[] rows, double[] rowNorms, double[] columnsT, double[] columnNorms,
                    int columnCount) implements java.io.Serializable {
    }
}
