package org.chreode.kernels.linalg;

/**
 * The inner loop of every symmetric kernel product: for one stored row r = row[offset .. offset+len-1] (columns
 * 0..len-1 of the strict lower triangle) return sum_j r_j x_j and add r_j * xi to y_j. Two implementations: SIMD through the JDK's Vector API
 * (module {@code jdk.incubator.vector}, used when the JVM was started with
 * {@code --add-modules jdk.incubator.vector}) and portable scalar Java. {@link #get()} picks the fastest available;
 * the system property {@code chreode.simd=false} forces the scalar one.
 */
public interface RowKernels {

    double dotAndAxpy(double[] row, int offset, int len, double[] x, double[] y, double xi);

    /** Same for a float32 row, accumulated in float64. */
    double dotAndAxpy(float[] row, int offset, int len, double[] x, double[] y, double xi);

    /**
     * Two consecutive rows at once, rows i and i+1 starting at {@code offset} and {@code offset + len} (row i has
     * {@code len} entries, row i+1 has {@code len + 1}): dots[0] = row_i . x, dots[1] = row_(i+1) . x, and y_j +=
     * row_i,j xi + row_(i+1),j xi1 for j &lt; len (plus row_(i+1),len xi1 at j = len). Each x_j and y_j is loaded once for
     * both rows, which halves the cache traffic of a single-vector product.
     */
    void dotAndAxpyPair(double[] rows, int offset, int len, double[] x, double[] y, double xi, double xi1,
                        double[] dots);

    /** {@link #dotAndAxpyPair} for float32 rows. */
    void dotAndAxpyPair(float[] rows, int offset, int len, double[] x, double[] y, double xi, double xi1,
                        double[] dots);

    /** Short name for diagnostics ("vector-api" or "scalar"). */
    String name();

    /** The implementation in use in this JVM. */
    static RowKernels get() {
        return Holder.INSTANCE;
    }

    /** Lazily chosen once per JVM. */
    final class Holder {
        static final RowKernels INSTANCE = choose();

        private Holder() {
        }

        private static RowKernels choose() {
            boolean allowed = !"false".equalsIgnoreCase(System.getProperty("chreode.simd", "true"));
            if (allowed && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
                try {
                    return (RowKernels) Class.forName("org.chreode.kernels.linalg.VectorRowKernels")
                            .getDeclaredConstructor().newInstance();
                } catch (ReflectiveOperationException | LinkageError e) {
                    return new ScalarRowKernels();
                }
            }
            return new ScalarRowKernels();
        }
    }
}
