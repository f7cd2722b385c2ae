package org.chreode.jobs;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.chreode.kernels.geometry.KernelMode;

/**
 * What one Spark task may use: the bytes of a stored kernel under {@code --kernel auto} and its share of the
 * executor cores. One executor runs {@code spark.executor.cores / spark.task.cpus} tasks at once (in local mode the
 * default parallelism), and they share the executor heap ({@code spark.executor.memory}, else this JVM's max heap).
 */
public final class TaskBudget {

    private TaskBudget() {
    }

    /** Tasks one executor runs at once. */
    public static int concurrentTasks(SparkSession spark) {
        SparkConf conf = spark.sparkContext().getConf();
        return Math.max(1, executorCores(spark) / Math.max(1, conf.getInt("spark.task.cpus", 1)));
    }

    /** {@link KernelMode#defaultBudget} of the executor heap per concurrent task. */
    public static long kernelBytes(SparkSession spark) {
        SparkConf conf = spark.sparkContext().getConf();
        long heap = conf.contains("spark.executor.memory") ? conf.getSizeAsBytes("spark.executor.memory")
                : Runtime.getRuntime().maxMemory();
        return KernelMode.defaultBudget(heap, concurrentTasks(spark));
    }

    /**
     * Worker threads for each of {@code tasks} tasks that run together: the executor's cores divided among the tasks
     * it runs at once (at least 1).
     */
    public static int threadsPerTask(SparkSession spark, int tasks) {
        int cores = executorCores(spark);
        return Math.max(1, cores / Math.max(1, Math.min(tasks, concurrentTasks(spark))));
    }

    private static int executorCores(SparkSession spark) {
        SparkConf conf = spark.sparkContext().getConf();
        return conf.contains("spark.executor.cores") ? conf.getInt("spark.executor.cores", 1)
                : spark.sparkContext().defaultParallelism();
    }
}
