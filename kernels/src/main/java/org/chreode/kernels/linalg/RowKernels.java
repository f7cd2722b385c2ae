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
