package org.chreode.kernels.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD {@link RowKernels} with the JDK Vector API: fused multiply-adds over the widest double lanes of the CPU;
 * float32 rows are widened in registers (no scratch copy), so float32 storage halves the bytes read per product.
 * Loaded reflectively by {@link RowKernels#get()} only when {@code jdk.incubator.vector} is present.
 */
final class VectorRowKernels implements RowKernels {

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** Floats in half the register width, so that one float vector widens to exactly one double vector. */
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class,
            jdk.incubator.vector.VectorShape.forBitSize(D.vectorBitSize() / 2));

    @Override
    public double dotAndAxpy(double[] row, int offset, int len, double[] x, double[] y, double xi) {
        int lanes = D.length();
        DoubleVector acc0 = DoubleVector.zero(D);
        DoubleVector acc1 = DoubleVector.zero(D);
        DoubleVector scale = DoubleVector.broadcast(D, xi);
        int j = 0;
        for (; j + 2 * lanes <= len; j += 2 * lanes) {
            DoubleVector r0 = DoubleVector.fromArray(D, row, offset + j);
            DoubleVector r1 = DoubleVector.fromArray(D, row, offset + j + lanes);
            acc0 = r0.fma(DoubleVector.fromArray(D, x, j), acc0);
            acc1 = r1.fma(DoubleVector.fromArray(D, x, j + lanes), acc1);
            r0.fma(scale, DoubleVector.fromArray(D, y, j)).intoArray(y, j);
            r1.fma(scale, DoubleVector.fromArray(D, y, j + lanes)).intoArray(y, j + lanes);
        }
        double sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; j < len; j++) {
            sum += row[offset + j] * x[j];
            y[j] += row[offset + j] * xi;
        }
        return sum;
    }

    @Override
    public double dotAndAxpy(float[] row, int offset, int len, double[] x, double[] y, double xi) {
        int lanes = D.length();
        DoubleVector acc = DoubleVector.zero(D);
        DoubleVector scale = DoubleVector.broadcast(D, xi);
        int j = 0;
        for (; j + lanes <= len; j += lanes) {
            DoubleVector r = (DoubleVector) FloatVector.fromArray(F, row, offset + j).convertShape(VectorOperators.F2D, D, 0);
            acc = r.fma(DoubleVector.fromArray(D, x, j), acc);
            r.fma(scale, DoubleVector.fromArray(D, y, j)).intoArray(y, j);
        }
        double sum = acc.reduceLanes(VectorOperators.ADD);
        for (; j < len; j++) {
            sum += row[offset + j] * x[j];
            y[j] += row[offset + j] * xi;
        }
        return sum;
    }

    @Override
    public String name() {
        return "vector-api(" + D.length() + "x" + Double.SIZE + ")";
    }

    @Override
    public void dotAndAxpyPair(double[] rows, int offset, int len, double[] x, double[] y, double xi, double xi1,
                               double[] dots) {
        int lanes = D.length();
        int next = offset + len;
        DoubleVector acc0 = DoubleVector.zero(D);
        DoubleVector acc1 = DoubleVector.zero(D);
        DoubleVector s0 = DoubleVector.broadcast(D, xi);
        DoubleVector s1 = DoubleVector.broadcast(D, xi1);
        int j = 0;
        for (; j + lanes <= len; j += lanes) {
            DoubleVector r0 = DoubleVector.fromArray(D, rows, offset + j);
            DoubleVector r1 = DoubleVector.fromArray(D, rows, next + j);
            DoubleVector xj = DoubleVector.fromArray(D, x, j);
            acc0 = r0.fma(xj, acc0);
            acc1 = r1.fma(xj, acc1);
            r1.fma(s1, r0.fma(s0, DoubleVector.fromArray(D, y, j))).intoArray(y, j);
        }
        double a = acc0.reduceLanes(VectorOperators.ADD);
        double b = acc1.reduceLanes(VectorOperators.ADD);
        for (; j < len; j++) {
            double r0 = rows[offset + j];
            double r1 = rows[next + j];
            a += r0 * x[j];
            b += r1 * x[j];
            y[j] += r0 * xi + r1 * xi1;
        }
        double last = rows[next + len];
        dots[0] = a;
        dots[1] = b + last * x[len];
        y[len] += last * xi1;
    }

    @Override
    public void dotAndAxpyPair(float[] rows, int offset, int len, double[] x, double[] y, double xi, double xi1,
                               double[] dots) {
        int lanes = D.length();
        int next = offset + len;
        DoubleVector acc0 = DoubleVector.zero(D);
        DoubleVector acc1 = DoubleVector.zero(D);
        DoubleVector s0 = DoubleVector.broadcast(D, xi);
        DoubleVector s1 = DoubleVector.broadcast(D, xi1);
        int j = 0;
        for (; j + lanes <= len; j += lanes) {
            DoubleVector r0 = (DoubleVector) FloatVector.fromArray(F, rows, offset + j)
                    .convertShape(VectorOperators.F2D, D, 0);
            DoubleVector r1 = (DoubleVector) FloatVector.fromArray(F, rows, next + j)
                    .convertShape(VectorOperators.F2D, D, 0);
            DoubleVector xj = DoubleVector.fromArray(D, x, j);
            acc0 = r0.fma(xj, acc0);
            acc1 = r1.fma(xj, acc1);
            r1.fma(s1, r0.fma(s0, DoubleVector.fromArray(D, y, j))).intoArray(y, j);
        }
        double a = acc0.reduceLanes(VectorOperators.ADD);
        double b = acc1.reduceLanes(VectorOperators.ADD);
        for (; j < len; j++) {
            double r0 = rows[offset + j];
            double r1 = rows[next + j];
            a += r0 * x[j];
            b += r1 * x[j];
            y[j] += r0 * xi + r1 * xi1;
        }
        double last = rows[next + len];
        dots[0] = a;
        dots[1] = b + last * x[len];
        y[len] += last * xi1;
    }
}
