package org.chreode.jobs.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.chreode.jobs.SparkTestBase;
import org.chreode.kernels.demo.BranchingSnapshotGenerator;
import org.chreode.kernels.geometry.KernelMode;
import org.chreode.kernels.snapshot.SnapshotInput;
import org.chreode.kernels.snapshot.SnapshotSettings;
import org.junit.jupiter.api.Test;

/** Per-subset solves with {@code --kernel online} equal the stored ones; each subset records its mode. */
class PartitionedKernelModeTest extends SparkTestBase {

    @Test
    void onlineSubsetSolvesEqualStoredOnes() {
        SnapshotInput input = BranchingSnapshotGenerator.builder().cells(160).futures(4).seed(5).build().generate()
                .input();
        SnapshotSettings base = SnapshotSettings.builder().stages(3).epsilon(0.1).tolerance(1e-6).threads(1).build();
        PartitionedSnapshotJob.Partitioning partitioning = new PartitionedSnapshotJob.Partitioning(80, 1, 1L, 16);
        PartitionedSnapshotJob.Outcome stored = PartitionedSnapshotJob.solve(spark, input,
                base.toBuilder().kernelMode(KernelMode.STORED).build(), partitioning);
        PartitionedSnapshotJob.Outcome online = PartitionedSnapshotJob.solve(spark, input,
                base.toBuilder().kernelMode(KernelMode.ONLINE).build(), partitioning);
        for (int c = 0; c < input.cellCount(); c++) {
            for (int k = 0; k < stored.result().fateLabels().length; k++) {
                assertEquals(stored.result().fateProbabilities()[c][k], online.result().fateProbabilities()[c][k],
                        1e-10, "fate " + k + " of " + input.cellIds()[c]);
            }
            assertEquals(stored.result().pseudotime()[c], online.result().pseudotime()[c], 1e-10);
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> subsets = (List<Map<String, Object>>) online.partitioned().get("subsets");
        assertTrue(subsets.size() >= 2, "subsets: " + subsets.size());
        for (Map<String, Object> s : subsets) {
            assertEquals("online", s.get("kernel_mode"), s.toString());
        }
        // auto in this JVM: half the heap over the local[2] concurrent subsets easily holds an 80-cell kernel
        assertEquals(KernelMode.defaultBudget(Runtime.getRuntime().maxMemory(), 2),
                org.chreode.jobs.TaskBudget.kernelBytes(spark));
        PartitionedSnapshotJob.Outcome auto = PartitionedSnapshotJob.solve(spark, input, base, partitioning);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> autoSubsets = (List<Map<String, Object>>) auto.partitioned().get("subsets");
        for (Map<String, Object> s : autoSubsets) {
            assertEquals("stored", s.get("kernel_mode"), s.toString());
        }
    }
}
