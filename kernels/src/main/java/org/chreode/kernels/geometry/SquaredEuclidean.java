package org.chreode.kernels.geometry;

/**
 * Squared Euclidean cost c(x, y) = sum_k (x_k - y_k)^2, computed from differences (not from norms) so that small
 * distances keep full relative precision, as {@code scipy.spatial.distance.cdist(..., 'sqeuclidean')} does.
 */
public final class SquaredEuclidean {

    private SquaredEuclidean() {
    }

    public static double cost(double[] x, double[] y) {
        double sum = 0;
        for (int k = 0; k < x.length; k++) {
            double d = x[k] - y[k];
            sum += d * d;
        }
        return sum;
    }
}
