package org.chreode.jobs.distributed;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.linalg.AbstractSymmetricKernel;
import org.chreode.kernels.linalg.SymmetricKernel;
import org.chreode.kernels.linalg.Workers;
import org.chreode.kernels.multistage.IntermediateKernelFactory;
import org.chreode.kernels.multistage.MultistageCosts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --kernel distributed}: the intermediate Gibbs kernel E = exp(-C kappa) of one MultistageOT solve held as a
 * distributed block matrix, for a subset larger than one executor can hold. The kernels' Sinkhorn loop runs
 * unchanged on the driver and sees only {@link SymmetricKernel}; every product goes to the executors.
 *
 * <ul>
 *   <li><b>Tiles.</b> Rows are cut into blocks of {@code tileRows}; the lower-triangular grid of tiles (I, J), I &gt;= J,
 *       is an RDD computed on the executors from the cost object ({@link MultistageCosts}: the cells' coordinates
 *       and the cost scale), broadcast once per solve, with the same entry formula as the stored and online kernels
 *       ({@link IntermediateKernelFactory#entry}). Tiles are persisted {@code MEMORY_AND_DISK} and rebuilt from
 *       the broadcast if an executor is lost.</li>
 *   <li><b>Products.</b> y = E x for a batch of vectors: x is broadcast, each tile (I, J) adds E_IJ x_J to rows I and
 *       E_IJ^T x_I to rows J (a diagonal tile only its strict lower part, both ways), and the partial sums are combined
 *       with {@code treeAggregate}. Only O(count n) numbers travel to the driver; nothing n x n does.</li>
 *   <li><b>Log-domain products and bilinear sums</b> (proximal loop, cost of transport) reuse the batched product
 *       ({@link AbstractSymmetricKernel}) or aggregate per tile ({@code treeReduce}).</li>
 *   <li><b>Not supported:</b> a row visitor on the driver (the sparse export of partitioned runs); the CLI rejects
 *       {@code --kernel distributed} with {@code --partition-size}.</li>
 * </ul>
 *
 * <p>Each product sets the Spark job description "chreode snapshot: kernel product ..." so the Spark UI shows the
 * sweep structure; the solver's own listener logs the per-check error and ETA as for the other modes.
 */
public final class DistributedKernel implements IntermediateKernelFactory, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DistributedKernel.class);

    private final JavaSparkContext jsc;
    private final int tileRows;
    private final String label;
    private Broadcast<MultistageCosts> costs;
    private MultistageCosts costsValue;
    private final List<Tiles> live = new ArrayList<>();
    private int products;
    private int tileCount;
    private int partitions;
    private double productSeconds;

    /**
     * @param jsc      the Spark context whose executors hold the tiles
     * @param tileRows rows (and columns) per tile, &gt;= 1
     * @param label    prefix of job descriptions and RDD names, e.g. "chreode snapshot"
     */
    public DistributedKernel(JavaSparkContext jsc, int tileRows, String label) {
        this.jsc = jsc;
        this.tileRows = InvalidInputException.requireAtLeast("tile-rows", tileRows, 1);
        this.label = label;
    }

    @Override
    public SymmetricKernel build(MultistageCosts costs, double kappa, Workers workers) {
        if (this.costs == null || costsValue != costs) {
            destroyCosts();
            this.costs = jsc.broadcast(costs);
            this.costsValue = costs;
        }
        int n = costs.intermediateCount();
        int blocks = (n + tileRows - 1) / tileRows;
        List<int[]> grid = new ArrayList<>();
        for (int bi = 0; bi < blocks; bi++) {
            for (int bj = 0; bj <= bi; bj++) {
                grid.add(new int[] {bi, bj});
            }
        }
        // one partition per core: each product is one stage, and treeAggregate needs no extra level below ~16 cores
        int slices = Math.max(1, Math.min(grid.size(), jsc.defaultParallelism()));
        Broadcast<MultistageCosts> shared = this.costs;
        int rowsPerTile = tileRows;
        String previous = jsc.getLocalProperty("spark.job.description");
        jsc.setJobDescription(String.format(Locale.ROOT, "%s: kernel tiles (%d x %d, %d tiles of <= %d rows, kappa"
                + " %.6g)", label, n, n, grid.size(), rowsPerTile, kappa));
        JavaRDD<Tile> rdd = jsc.parallelize(grid, slices)
                .map(ij -> Tile.compute(shared.value(), ij[0], ij[1], rowsPerTile, n, kappa))
                .persist(StorageLevel.MEMORY_AND_DISK());
        rdd.setName(String.format(Locale.ROOT, "%s: kernel tiles kappa=%.6g", label, kappa));
        long count = rdd.count();
        jsc.setJobDescription(previous);
        LOG.info("{}: distributed kernel {} x {} in {} tiles of <= {} rows over {} partitions (kappa {})", label, n,
                n, count, rowsPerTile, slices, kappa);
        tileCount = (int) count;
        partitions = slices;
        Tiles tiles = new Tiles(n, rdd, kappa);
        live.add(tiles);
        return tiles;
    }

    @Override
    public SymmetricKernel rebuild(SymmetricKernel previous, MultistageCosts costs, double kappa, Workers workers) {
        if (previous instanceof Tiles t) {
            t.release();
        }
        return build(costs, kappa, workers);
    }

    /** For run.json: tiles, tile rows, partitions, products run and their total seconds. */
    public java.util.Map<String, Object> summary() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("tiles", tileCount);
        m.put("tile_rows", tileRows);
        m.put("partitions", partitions);
        m.put("products", products);
        m.put("product_seconds", productSeconds);
        return m;
    }

    /** Unpersists every tile RDD and destroys the broadcast coordinates. */
    @Override
    public void close() {
        for (Tiles t : live) {
            t.release();
        }
        live.clear();
        destroyCosts();
    }

    private void destroyCosts() {
        if (costs != null) {
            costs.destroy();
            costs = null;
            costsValue = null;
        }
    }

    /** The kernel seen by the solver: products by broadcast + tree aggregation over the tile RDD. */
    private final class Tiles extends AbstractSymmetricKernel {
        private final int n;
        private final JavaRDD<Tile> rdd;
        private final double kappa;

        Tiles(int n, JavaRDD<Tile> rdd, double kappa) {
            this.n = n;
            this.rdd = rdd;
            this.kappa = kappa;
        }

        void release() {
            rdd.unpersist(false);
        }

        @Override
        public int size() {
            return n;
        }

        @Override
        public void multiply(double[][] x, double[][] y, int count, Workers workers) {
            double[][] in = new double[count][];
            System.arraycopy(x, 0, in, 0, count);
            Broadcast<double[][]> vectors = jsc.broadcast(in);
            String previous = jsc.getLocalProperty("spark.job.description");
            products++;
            long t0 = System.nanoTime();
            jsc.setJobDescription(String.format(Locale.ROOT, "%s: kernel product %d (%d vectors, kappa %.6g)", label,
                    products, count, kappa));
            try {
                int length = n;
                Partial sum = rdd.treeAggregate(new Partial(),
                        (acc, tile) -> acc.add(tile, vectors.value(), count, length),
                        Partial::merge, 2);
                for (int c = 0; c < count; c++) {
                    if (sum.y == null) {
                        java.util.Arrays.fill(y[c], 0, n, 0.0);
                    } else {
                        System.arraycopy(sum.y[c], 0, y[c], 0, n);
                    }
                }
            } finally {
                jsc.setJobDescription(previous);
                vectors.destroy();
                productSeconds += (System.nanoTime() - t0) / 1e9;
            }
        }

        @Override
        public double bilinearSum(DoubleUnaryOperator g, double[][] a, double[][] b, int count) {
            return bilinear(g, a, b, count, false);
        }

        @Override
        public double bilinearSumLog(DoubleUnaryOperator g, double[][] logA, double[][] logB, int count) {
            return bilinear(g, logA, logB, count, true);
        }

        private double bilinear(DoubleUnaryOperator g, double[][] a, double[][] b, int count, boolean logs) {
            if (count == 0) {
                return 0;
            }
            if (!(g instanceof Serializable)) {
                throw new IllegalArgumentException("distributed bilinear sum: the entry function must be Serializable");
            }
            Broadcast<double[][][]> factors = jsc.broadcast(new double[][][] {a, b});
            String previous = jsc.getLocalProperty("spark.job.description");
            jsc.setJobDescription(label + ": kernel bilinear sum (cost of transport)");
            try {
                return rdd.map(tile -> tile.bilinear(g, factors.value()[0], factors.value()[1], count, logs))
                        .treeReduce(Double::sum, 2);
            } finally {
                jsc.setJobDescription(previous);
                factors.destroy();
            }
        }

        @Override
        public void forEachRow(RowVisitor visitor) {
            throw new UnsupportedOperationException("--kernel distributed keeps the kernel on the executors: a"
                    + " row-by-row pass on the driver (sparse transition export) is not available; use --kernel"
                    + " stored, online or auto");
        }

        @Override
        public long storageBytes() {
            return 0;
        }

        @Override
        public String mode() {
            return "distributed";
        }
    }

    /** Partial products of one partition: y[c] accumulates over its tiles (allocated on first use). */
    static final class Partial implements Serializable {
        private static final long serialVersionUID = 1L;
        double[][] y;

        Partial add(Tile tile, double[][] x, int count, int n) {
            if (y == null) {
                y = new double[count][n];
            }
            tile.multiplyInto(x, y, count);
            return this;
        }

        Partial merge(Partial other) {
            if (other.y == null) {
                return this;
            }
            if (y == null) {
                return other;
            }
            for (int c = 0; c < y.length; c++) {
                double[] a = y[c];
                double[] b = other.y[c];
                for (int j = 0; j < a.length; j++) {
                    a[j] += b[j];
                }
            }
            return this;
        }
    }

    /**
     * Tile (I, J) of the strict lower triangle: rows [r0, r1) x columns [c0, c1), row-major; a diagonal tile
     * (I == J) uses only its entries below the diagonal.
     */
    static final class Tile implements Serializable {
        private static final long serialVersionUID = 1L;
        final int r0;
        final int r1;
        final int c0;
        final int c1;
        final double[] entries;

        private Tile(int r0, int r1, int c0, int c1, double[] entries) {
            this.r0 = r0;
            this.r1 = r1;
            this.c0 = c0;
            this.c1 = c1;
            this.entries = entries;
        }

        static Tile compute(MultistageCosts costs, int bi, int bj, int tileRows, int n, double kappa) {
            int r0 = bi * tileRows;
            int r1 = Math.min(n, r0 + tileRows);
            int c0 = bj * tileRows;
            int c1 = Math.min(n, c0 + tileRows);
            int width = c1 - c0;
            double[] e = new double[(r1 - r0) * width];
            for (int i = r0; i < r1; i++) {
                int end = Math.min(c1, i);
                int base = (i - r0) * width - c0;
                for (int j = c0; j < end; j++) {
                    e[base + j] = IntermediateKernelFactory.entry(costs, i, j, kappa);
                }
            }
            return new Tile(r0, r1, c0, c1, e);
        }

        /** y_c,i += e_ij x_c,j and y_c,j += e_ij x_c,i for every stored pair i &gt; j of the tile. */
        void multiplyInto(double[][] x, double[][] y, int count) {
            int width = c1 - c0;
            for (int c = 0; c < count; c++) {
                double[] xc = x[c];
                double[] yc = y[c];
                for (int i = r0; i < r1; i++) {
                    int end = Math.min(c1, i);
                    int base = (i - r0) * width - c0;
                    double xi = xc[i];
                    double dot = 0;
                    for (int j = c0; j < end; j++) {
                        double e = entries[base + j];
                        dot += e * xc[j];
                        yc[j] += e * xi;
                    }
                    yc[i] += dot;
                }
            }
        }

        /** The tile's share of sum g(e_ij) (a_i b_j + a_j b_i), or of sum g(e_ij) exp(la_i + lb_j) + ... in logs. */
        double bilinear(DoubleUnaryOperator g, double[][] a, double[][] b, int count, boolean logs) {
            int width = c1 - c0;
            double sum = 0;
            for (int i = r0; i < r1; i++) {
                int end = Math.min(c1, i);
                int base = (i - r0) * width - c0;
                for (int j = c0; j < end; j++) {
                    double k = entries[base + j];
                    if (k == 0) {
                        continue;
                    }
                    double gk = g.applyAsDouble(k);
                    if (logs) {
                        if (gk > 0) {
                            double lg = Math.log(gk);
                            for (int c = 0; c < count; c++) {
                                sum += Math.exp(lg + a[c][i] + b[c][j]) + Math.exp(lg + a[c][j] + b[c][i]);
                            }
                        }
                    } else {
                        double pair = 0;
                        for (int c = 0; c < count; c++) {
                            pair += a[c][i] * b[c][j] + a[c][j] * b[c][i];
                        }
                        sum += gk * pair;
                    }
                }
            }
            return sum;
        }
    }
}
