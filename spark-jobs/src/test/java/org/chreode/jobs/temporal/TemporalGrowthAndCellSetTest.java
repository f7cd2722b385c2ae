package org.chreode.jobs.temporal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.spark.sql.Row;
import org.chreode.jobs.SparkTestBase;
import org.chreode.kernels.temporal.TransportMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;


/**
 * {@code chreode temporal} with a growth prior ({@code --growth-col}, 2 growth rounds), a cell set ({@code --from A})
 * and {@code --validate-interpolation} on a synthetic time course: two lineages drifting along parallel lines in
 * opposite directions, A (x in [0, 1]) moves up by 3 per day and grows (g = 2), B (x in [6, 7]) moves down and shrinks
 * (g = 0.5). Every output is checked against the written couplings (exact matrix products) or known answers.
 */
class TemporalGrowthAndCellSetTest extends SparkTestBase {

    private static final int PER_DAY = 40;

    @TempDir
    static Path dir;

    private static Path out;

    public static List<String> table() {
        List<String> rows = new ArrayList<>(List.of("cell_id,day,cell_type,x,y,g"));
        Random rng = new Random(5);
        for (int d = 0; d < 3; d++) {
            for (int k = 0; k < PER_DAY; k++) {
                boolean a = k % 2 == 0;
                double x = rng.nextDouble() + (a ? 0 : 6);
                double y = (a ? 3 : -3) * d + 0.1 * rng.nextGaussian();
                rows.add("c" + d + "_" + k + "," + d + "," + (a ? "A" : "B") + "," + x + "," + y + ","
                        + (a ? "2" : "0.5"));
            }
        }
        return rows;
    }

    @BeforeAll
    static void runCommand() {
        Path input = writeFile(dir, "course.csv", table().toArray(new String[0]));
        out = dir.resolve("out");
        runCli("temporal", "--input", input.toString(), "--output", out.toString(), "--features", "x,y",
                "--growth-col", "g", "--growth-iters", "2", "--tau-a", "0.8", "--epsilon", "0.01",
                "--threshold", "0", "--from", "A", "--validate-interpolation");
    }

    /** The written coupling of a pair as a TransportMap with the input order of ids. */
    private static TransportMap coupling(Path output, String name, int source, int target) {
        Map<String, Double> w = new HashMap<>();
        for (Row r : spark.read().parquet(output.resolve("couplings/" + name + ".parquet").toString())
                .collectAsList()) {
            w.put(r.getString(0) + "|" + r.getString(1), r.getDouble(2));
        }
        String[] src = new String[PER_DAY];
        String[] tgt = new String[PER_DAY];
        double[][] p = new double[PER_DAY][PER_DAY];
        for (int k = 0; k < PER_DAY; k++) {
            src[k] = "c" + source + "_" + k;
            tgt[k] = "c" + target + "_" + k;
        }
        for (int i = 0; i < PER_DAY; i++) {
            for (int j = 0; j < PER_DAY; j++) {
                p[i][j] = w.get(src[i] + "|" + tgt[j]);
            }
        }
        return new TransportMap(src, tgt, p);
    }

    /** CSV rows → column name → values, keyed by the first column plus the {@code key} column. */
    private static Map<String, Map<String, String>> rows(Path file, String... key) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String[] head = lines.get(0).split(",");
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            Map<String, String> m = new HashMap<>();
            for (int c = 0; c < head.length; c++) {
                m.put(head[c], f[c]);
            }
            StringBuilder k = new StringBuilder();
            for (String col : key) {
                k.append(m.get(col)).append('|');
            }
            out.put(k.toString(), m);
        }
        return out;
    }

    @Test
    void growthRatesArePriorAndLearnedRoundsConsistentWithTheCoupling() throws IOException {
        List<String> lines = Files.readAllLines(out.resolve("growth.csv"));
        assertEquals("cell_id,day,growth_rate,prior_growth_rate,growth_rate_round_1,growth_rate_round_2",
                lines.get(0));
        assertEquals(2 * PER_DAY + 1, lines.size());
        Map<String, Map<String, String>> growth = rows(out.resolve("growth.csv"), "cell_id");
        TransportMap p01 = coupling(out, "0_1", 0, 1);
        double[] rowSums = p01.rowSums();
        // The last round's learned rate (dt = 1) = (P 1)_i * sum(G) with G the prior: 20 cells at 2, 20 at 0.5.
        double sumG = 20 * 2.0 + 20 * 0.5;
        double learnedA = 0;
        double learnedB = 0;
        for (int k = 0; k < PER_DAY; k++) {
            Map<String, String> r = growth.get("c0_" + k + "|");
            assertEquals(k % 2 == 0 ? 2.0 : 0.5, Double.parseDouble(r.get("prior_growth_rate")), 1e-12);
            double rate = Double.parseDouble(r.get("growth_rate"));
            assertEquals(rowSums[k] * sumG, rate, 1e-9 * rate);
            assertEquals(rate, Double.parseDouble(r.get("growth_rate_round_2")), 0.0);
            if (k % 2 == 0) {
                learnedA += rate;
            } else {
                learnedB += rate;
            }
        }
        // The target marginal is hard (tau_b = 1, b = 1/n per cell) and each lineage has 20 target cells, so the
        // learned growth moves the prior's 2 : 0.5 split to equal lineage totals.
        assertEquals(learnedA, learnedB, 1e-6 * learnedA);
        JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals(2, run.get("parameters").get("growth_iters").asInt());
        assertTrue(run.get("parameters").get("marginals").asText().contains("column 'g'"));
        assertEquals(2, run.get("growth").get("iterations_per_round").get(0).size());
    }

    @Test
    void descendantsAndAncestorsAreTheNormalisedChainedProducts() throws IOException {
        TransportMap p01 = coupling(out, "0_1", 0, 1);
        TransportMap p12 = coupling(out, "1_2", 1, 2);
        TransportMap p02 = TransportMap.chain(List.of(p01, p12));
        double[] a0 = new double[PER_DAY];
        for (int k = 0; k < PER_DAY; k += 2) {
            a0[k] = 1;
        }
        double[] a1 = a0.clone();
        double[] a2 = a0.clone();
        Map<String, Map<String, String>> desc = rows(out.resolve("descendants.csv"), "cell_id", "from_day");
        // from day 0: to day 1 = normalised a0ᵀ P01, to day 2 = normalised a0ᵀ P01 P12
        double[] d1 = normalized(p01.push(a0));
        double[] d2 = normalized(p02.push(a0));
        double[] d12 = normalized(p12.push(a1));
        for (int k = 0; k < PER_DAY; k++) {
            assertEquals(d1[k], mass(desc, "c1_" + k, "0"), 1e-12);
            assertEquals(d2[k], mass(desc, "c2_" + k, "0"), 1e-12);
            assertEquals(d12[k], mass(desc, "c2_" + k, "1"), 1e-12);
        }
        assertEquals(3 * PER_DAY + 1, Files.readAllLines(out.resolve("descendants.csv")).size());
        Map<String, Map<String, String>> anc = rows(out.resolve("ancestors.csv"), "cell_id", "from_day");
        double[] u0 = normalized(p02.pull(a2));
        double[] u1 = normalized(p12.pull(a2));
        double[] u01 = normalized(p01.pull(a1));
        for (int k = 0; k < PER_DAY; k++) {
            assertEquals(u0[k], mass(anc, "c0_" + k, "2"), 1e-12);
            assertEquals(u1[k], mass(anc, "c1_" + k, "2"), 1e-12);
            assertEquals(u01[k], mass(anc, "c0_" + k, "1"), 1e-12);
        }
        // lineage A stays on lineage A
        double onA = 0;
        for (int k = 0; k < PER_DAY; k += 2) {
            onA += d2[k];
        }
        assertTrue(onA > 0.999, "descendants of A on A: " + onA);
        JsonNode from = new ObjectMapper().readTree(out.resolve("run.json").toFile()).get("from");
        assertEquals("cells with cell_type = A", from.get("selection").asText());
        assertEquals(PER_DAY / 2, from.get("cells").get("0").asInt());
    }

    @Test
    void interpolationIsFarBelowTheRandomBaseline() throws IOException {
        List<String> lines = Files.readAllLines(out.resolve("validation.csv"));
        assertEquals("interval_start,interval_mid,interval_end,name,distance", lines.get(0));
        assertEquals(6, lines.size());
        Map<String, Double> d = new HashMap<>();
        for (String line : lines.subList(1, 6)) {
            String[] f = line.split(",");
            assertEquals("0,1,2", f[0] + "," + f[1] + "," + f[2]);
            d.put(f[3], Double.parseDouble(f[4]));
        }
        System.out.println("synthetic validation: " + d);
        assertTrue(d.get("I") < 0.25 * d.get("R"), d.toString());
        assertTrue(d.get("I") < 0.25 * d.get("Rg"), d.toString());
        assertEquals(3.0, d.get("F"), 0.3);
        assertEquals(3.0, d.get("L"), 0.3);
        JsonNode v = new ObjectMapper().readTree(out.resolve("run.json").toFile()).get("validation");
        assertEquals(1000, v.get("validation_size").asInt());
        assertEquals(PER_DAY, v.get("triplets").get(0).get("sample_size").asInt());
        assertTrue(v.get("triplets").get(0).get("converged").asBoolean());
    }

    @Test
    void cellSetFromAnIdFileAtOneTimePointWithABirthDeathPrior() throws IOException {
        Path input = writeFile(dir, "course2.csv", table().toArray(new String[0]));
        Path ids = writeFile(dir, "ids.txt", "c1_3", "", "c1_5", "c0_1");
        Path output = dir.resolve("ids-out");
        runCli("temporal", "--input", input.toString(), "--output", output.toString(), "--features", "x,y",
                "--tau-a", "0.8", "--epsilon", "0.01", "--threshold", "0", "--from-ids", ids.toString(),
                "--from-time", "1", "--no-cell-types", "--proliferation-col", "g");
        List<String> desc = Files.readAllLines(output.resolve("descendants.csv"));
        List<String> anc = Files.readAllLines(output.resolve("ancestors.csv"));
        assertEquals(PER_DAY + 1, desc.size());
        assertEquals(PER_DAY + 1, anc.size());
        TransportMap p12 = coupling(output, "1_2", 1, 2);
        TransportMap p01 = coupling(output, "0_1", 1 - 1, 1);
        double[] set = new double[PER_DAY];
        set[3] = 1;
        set[5] = 1;
        double[] expDesc = normalized(p12.push(set));
        double[] expAnc = normalized(p01.pull(set));
        double[] gotDesc = new double[PER_DAY];
        double[] gotAnc = new double[PER_DAY];
        for (int k = 0; k < PER_DAY; k++) {
            String[] f = desc.get(k + 1).split(",");
            assertEquals("c2_" + k + ",2", f[0] + "," + f[1]);
            assertEquals("1", f[3]);
            gotDesc[k] = Double.parseDouble(f[2]);
            String[] g = anc.get(k + 1).split(",");
            assertEquals("c0_" + k + ",0", g[0] + "," + g[1]);
            gotAnc[k] = Double.parseDouble(g[2]);
        }
        assertArrayEquals(expDesc, gotDesc, 1e-12);
        assertArrayEquals(expAnc, gotAnc, 1e-12);
        // birth-death prior with the g column as proliferation score p and no apoptosis score (q = 0), dt = 1:
        // prior rate = exp(beta(p) - delta(0)), beta(p) = 0.3 + 1.4/(1 + exp(-(4/0.5)(p - 0.25))),
        // delta(0) = 0.3 + 1.4/(1 + exp(-(4/0.2)(0 - 0.1)))
        List<String> growth = Files.readAllLines(output.resolve("growth.csv"));
        assertEquals("cell_id,day,growth_rate,prior_growth_rate,growth_rate_round_1", growth.get(0));
        double delta0 = 0.3 + 1.4 / (1 + Math.exp(2.0));
        double betaA = 0.3 + 1.4 / (1 + Math.exp(-8 * (2 - 0.25)));
        double betaB = 0.3 + 1.4 / (1 + Math.exp(-8 * (0.5 - 0.25)));
        String[] c00 = growth.get(1).split(",");
        String[] c01 = growth.get(2).split(",");
        assertEquals("c0_0", c00[0]);
        assertEquals(Math.exp(betaA - delta0), Double.parseDouble(c00[3]), 1e-12);
        assertEquals(Math.exp(betaB - delta0), Double.parseDouble(c01[3]), 1e-12);
    }

    private static double mass(Map<String, Map<String, String>> rows, String id, String fromDay) {
        Map<String, String> r = rows.get(id + "|" + fromDay + "|");
        assertTrue(r != null, "no row for " + id + " from day " + fromDay);
        return Double.parseDouble(r.get("mass"));
    }

    private static double[] normalized(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        double[] o = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            o[i] = x[i] / s;
        }
        return o;
    }
}
