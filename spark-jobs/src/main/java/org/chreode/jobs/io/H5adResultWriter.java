package org.chreode.jobs.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.chreode.jobs.io.SnapshotTableReader.SnapshotTable;
import org.chreode.kernels.snapshot.SnapshotResult;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import io.jhdf.api.WritableNode;

/**
 * Writes {@code cells.h5ad}: the results of a snapshot run on a {@code .h5ad} input as an AnnData file (anndata
 * on-disk format, written with jhdf). obs = the input's obs names as index, the input's obs columns (numeric ones
 * as float64 arrays, text ones as string arrays ("" for missing); a column whose encoding cannot be read is
 * left out, and one named like a result column is replaced by it), then the result columns (pseudotime,
 * expected_stage, potency, fate_&lt;label&gt;..., p_unknown, mean_absorption_time) as float64 arrays (NaN where
 * undefined). var = the input's var names (left out when the input has none). The features the run used go
 * to {@code obsm[KEY]} (for {@code --obsm KEY}) or to a dense {@code X} (for {@code --use-x}); otherwise there is
 * no X.
 */
public final class H5adResultWriter {

    public static final String CELLS_H5AD = "cells.h5ad";

    private H5adResultWriter() {
    }

    /** What is copied from the input file. */
    private record InputObs(String[] obsNames, String[] varNames, List<H5adReader.ObsColumn> columns) {
    }

    /**
     * Writes {@code cells.h5ad} into {@code out}. {@code table} is the input as read (its path is reopened for the
     * obs names and columns); {@code spec} says where the features came from.
     */
    public static void write(AtomicOutput out, SnapshotTable table, SnapshotColumns spec, SnapshotResult result,
                             Configuration conf) throws IOException {
        InputObs in = SnapshotTableReader.withLocalH5ad(table.path(), conf, reader -> {
            List<H5adReader.ObsColumn> columns = new ArrayList<>();
            for (String name : reader.obsColumns()) {
                try {
                    columns.add(reader.obsColumn(name, null));
                } catch (RuntimeException e) {
                    // an encoding chreode cannot decode: left out of cells.h5ad
                }
            }
            return new InputObs(reader.obsNames(), reader.varNames(), columns);
        });
        Path dir = Files.createTempDirectory("chreode-cells-h5ad-");
        Path file = dir.resolve(CELLS_H5AD);
        try {
            writeFile(file, in, table, spec, result);
            try (OutputStream s = out.create(CELLS_H5AD)) {
                Files.copy(file, s);
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    /** The result columns of {@code cells.h5ad}, in order, aligned with the input rows ({@code row[i]}). */
    static Map<String, double[]> resultColumns(SnapshotResult result, int[] row) {
        int n = row.length;
        Map<String, double[]> cols = new LinkedHashMap<>();
        cols.put("pseudotime", aligned(result.pseudotime(), row));
        cols.put("expected_stage", aligned(result.expectedStage(), row));
        cols.put("potency", aligned(result.potency(), row));
        String[] labels = result.fateLabels();
        for (int j = 0; j < labels.length; j++) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = result.fateProbabilities()[row[i]][j];
            }
            cols.put("fate_" + labels[j], v);
        }
        if (result.hasOutlierFate()) {
            cols.put("p_unknown", aligned(result.pUnknown(), row));
        }
        cols.put("mean_absorption_time", aligned(result.meanAbsorptionTime(), row));
        return cols;
    }

    private static double[] aligned(double[] values, int[] row) {
        double[] v = new double[row.length];
        for (int i = 0; i < row.length; i++) {
            v[i] = values == null ? Double.NaN : values[row[i]];
        }
        return v;
    }

    private static void writeFile(Path file, InputObs in, SnapshotTable table, SnapshotColumns spec,
                                  SnapshotResult result) {
        String[] obsNames = in.obsNames();
        int n = obsNames.length;
        // result row of each input row (the run keeps the input order; matched by id should it not)
        String[] ids = table.input().cellIds();
        int[] row = new int[n];
        Map<String, Integer> byId = null;
        for (int i = 0; i < n; i++) {
            if (i < result.cellCount() && result.cellIds()[i].equals(ids[i])) {
                row[i] = i;
                continue;
            }
            if (byId == null) {
                byId = new HashMap<>();
                for (int r = 0; r < result.cellCount(); r++) {
                    byId.put(result.cellIds()[r], r);
                }
            }
            row[i] = byId.get(ids[i]);
        }
        Map<String, double[]> results = resultColumns(result, row);

        try (WritableHdfFile f = HdfFile.write(file)) {
            encoding(f, "anndata", "0.1.0");

            WritableGroup obs = f.putGroup("obs");
            encoding(obs, "dataframe", "0.2.0");
            obs.putAttribute("_index", "_index");
            encoding(obs.putDataset("_index", obsNames), "string-array", "0.2.0");
            List<String> order = new ArrayList<>();
            for (H5adReader.ObsColumn c : in.columns()) {
                if (results.containsKey(c.name()) || c.name().equals("_index") || c.name().equals("__categories")) {
                    continue;
                }
                if (c.numeric()) {
                    encoding(obs.putDataset(c.name(), c.numbers()), "array", "0.2.0");
                } else {
                    writeText(obs, c.name(), c.strings());
                }
                order.add(c.name());
            }
            for (Map.Entry<String, double[]> e : results.entrySet()) {
                encoding(obs.putDataset(e.getKey(), e.getValue()), "array", "0.2.0");
                order.add(e.getKey());
            }
            obs.putAttribute("column-order", order.toArray(new String[0]));

            double[][] features = table.input().features();
            boolean useX = spec != null && spec.useX();
            String[] varNames = in.varNames();
            if (useX) {
                encoding(f.putDataset("X", features), "array", "0.2.0");
                varNames = table.columns().features().toArray(new String[0]);
            }
            if (varNames != null && varNames.length > 0) {
                // jhdf 0.9.4 cannot write empty arrays: no var columns = column-order "" (list("") == [] in anndata),
                // and with no var names at all var is left out (anndata then has 0 vars)
                WritableGroup var = f.putGroup("var");
                encoding(var, "dataframe", "0.2.0");
                var.putAttribute("_index", "_index");
                var.putAttribute("column-order", "");
                encoding(var.putDataset("_index", varNames), "string-array", "0.2.0");
            }

            if (!useX) { // (jhdf 0.9.4 writes an unreadable header for an empty group: no empty obsm)
                WritableGroup obsm = f.putGroup("obsm");
                encoding(obsm, "dict", "0.1.0");
                String key = spec == null ? SnapshotColumns.DEFAULT_OBSM : spec.obsm();
                encoding(obsm.putDataset(key, features), "array", "0.2.0");
            }
        }
    }

    /**
     * A text column as an AnnData string array (missing values as ""). Not a categorical: anndata needs the
     * categorical's {@code ordered} attribute as an HDF5 boolean enum, which jhdf 0.9.4 does not write (pandas then
     * refuses the file; checked with anndata 0.8).
     */
    private static void writeText(WritableGroup obs, String name, String[] values) {
        String[] text = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            text[i] = values[i] == null ? "" : values[i];
        }
        encoding(obs.putDataset(name, text.length == 0 ? new String[] {""} : text), "string-array", "0.2.0");
    }

    private static void encoding(WritableNode node, String type, String version) {
        node.putAttribute("encoding-type", type);
        node.putAttribute("encoding-version", version);
    }
}
