package org.chreode.jobs.temporal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.chreode.jobs.temporal.TemporalTableReader.TemporalInput;
import org.chreode.kernels.common.InvalidInputException;

/**
 * The cell set of {@code --from LABEL} (cells whose value in the cell-type column equals LABEL) or
 * {@code --from-ids FILE} (one cell id per line; blank lines ignored), optionally restricted to the time point
 * {@code --from-time}: the population that {@code descendants.csv} pushes forward and {@code ancestors.csv} pulls
 * back (WOT {@code population_from_ids} / {@code population_from_cell_sets}: an indicator, 1 on members).
 */
final class CellSet {

    private final String description;
    private final Set<String> members;
    private final Map<Double, Integer> countsPerTime;

    private CellSet(String description, Set<String> members, Map<Double, Integer> countsPerTime) {
        this.description = description;
        this.members = members;
        this.countsPerTime = countsPerTime;
    }

    /** How the set was chosen, for run.json. */
    String description() {
        return description;
    }

    boolean contains(String id) {
        return members.contains(id);
    }

    /** Time points where the set has cells (ascending) → number of cells there. */
    Map<Double, Integer> countsPerTime() {
        return countsPerTime;
    }

    /** Indicator of the set over {@code ids}. */
    double[] indicator(String[] ids) {
        double[] x = new double[ids.length];
        for (int i = 0; i < ids.length; i++) {
            x[i] = members.contains(ids[i]) ? 1.0 : 0.0;
        }
        return x;
    }

    static CellSet resolve(TemporalInput input, TemporalJob.FromOptions from, TreeMap<Double, List<Integer>> groups,
                           TemporalTableReader.Columns columns) {
        String[] ids = input.ids();
        Set<String> chosen = new HashSet<>();
        String description;
        if (from.label() != null) {
            if (input.cellTypes() == null) {
                throw new InvalidInputException("--from " + from.label() + " selects the cells whose cell type is '"
                        + from.label() + "', but cell types are off (--no-cell-types); name the cell-type column"
                        + " with --cell-type-col or give the cells with --from-ids FILE.");
            }
            for (int i = 0; i < ids.length; i++) {
                if (from.label().equals(input.cellTypes()[i])) {
                    chosen.add(ids[i]);
                }
            }
            if (chosen.isEmpty()) {
                Set<String> labels = new java.util.TreeSet<>(java.util.Arrays.asList(input.cellTypes()));
                throw new InvalidInputException("No cell has cell type '" + from.label() + "' in column '"
                        + columns.cellTypeCol() + "' (--from); labels present: " + String.join(", ", labels) + ".");
            }
            description = "cells with " + columns.cellTypeCol() + " = " + from.label();
        } else {
            Path file = Paths.get(new org.apache.hadoop.fs.Path(from.idsFile()).toUri().getPath());
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new InvalidInputException("Cannot read the --from-ids file '" + from.idsFile() + "': "
                        + e.getMessage() + ".");
            }
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < ids.length; i++) {
                index.put(ids[i], i);
            }
            for (int l = 0; l < lines.size(); l++) {
                String id = lines.get(l).strip();
                if (id.isEmpty()) {
                    continue;
                }
                if (!index.containsKey(id)) {
                    throw new InvalidInputException("Cell '" + id + "' on line " + (l + 1) + " of the --from-ids file '"
                            + from.idsFile() + "' is not in the input.");
                }
                chosen.add(id);
            }
            if (chosen.isEmpty()) {
                throw new InvalidInputException("The --from-ids file '" + from.idsFile() + "' lists no cell id.");
            }
            description = chosen.size() + " cells listed in " + from.idsFile();
        }
        Map<Double, Integer> counts = new LinkedHashMap<>();
        for (Map.Entry<Double, List<Integer>> g : groups.entrySet()) {
            if (from.fromTime() != null && g.getKey().doubleValue() != from.fromTime()) {
                continue;
            }
            int c = 0;
            for (int i : g.getValue()) {
                if (chosen.contains(ids[i])) {
                    c++;
                }
            }
            if (c > 0) {
                counts.put(g.getKey(), c);
            }
        }
        if (from.fromTime() != null) {
            if (!groups.containsKey(from.fromTime())) {
                throw new InvalidInputException("--from-time " + TemporalJob.format(from.fromTime()) + " has no cells"
                        + " in column '" + columns.timeCol() + "'; time points present: " + String.join(", ",
                        groups.keySet().stream().map(TemporalJob::format).toList()) + ".");
            }
            if (counts.isEmpty()) {
                throw new InvalidInputException("The cell set (" + description + ") has no cells at --from-time "
                        + TemporalJob.format(from.fromTime()) + ".");
            }
            Set<String> restricted = new HashSet<>();
            for (int i : groups.get(from.fromTime())) {
                if (chosen.contains(ids[i])) {
                    restricted.add(ids[i]);
                }
            }
            chosen = restricted;
            description += " at " + columns.timeCol() + " = " + TemporalJob.format(from.fromTime());
        }
        return new CellSet(description, chosen, counts);
    }

    /** Time points of the set, ascending. */
    List<Double> times() {
        return new ArrayList<>(countsPerTime.keySet());
    }
}
