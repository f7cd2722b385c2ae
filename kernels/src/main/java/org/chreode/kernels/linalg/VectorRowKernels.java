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
}
