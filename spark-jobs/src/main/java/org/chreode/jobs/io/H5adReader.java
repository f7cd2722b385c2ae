package org.chreode.jobs.io;

import java.lang.reflect.Array;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.chreode.kernels.common.InvalidInputException;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.exceptions.HdfException;

/**
 * Reads the parts of an AnnData {@code .h5ad} file (HDF5, via the pure-Java jhdf reader) that chreode needs: the obs
 * names, obs columns, an {@code obsm} embedding and {@code X}, on the driver.
 *
 * <p>Supported: the AnnData on-disk format of anndata 0.8 and later, where every element carries an
 * {@code encoding-type} attribute. obs must be a {@code dataframe} group (index named by its {@code _index}
 * attribute); obs columns may be {@code array} (numeric, string or boolean datasets), {@code string-array},
 * {@code categorical} (integer codes into {@code categories}; code -1 = missing) or {@code nullable-integer},
 * {@code nullable-boolean}, {@code nullable-string-array} ({@code values} + {@code mask}). Matrices ({@code X},
 * {@code obsm} entries) may be dense 2-D datasets ({@code array}) or {@code csr_matrix} / {@code csc_matrix} groups
 * ({@code data}, {@code indices}, {@code indptr} and a {@code shape} attribute). The anndata 0.7 layout (obs
 * dataframe encoding-version 0.1.0, categoricals as code datasets whose {@code categories} live in
 * {@code obs/__categories}, no encoding attributes on arrays) is read too. Anything else fails with an
 * {@link InvalidInputException} that names the element and its encoding.
 *
 * <p>Values are returned as doubles (float32 data is widened exactly). The whole file is not loaded: only the
 * elements asked for are read.
 */
public final class H5adReader implements AutoCloseable {

    /** The obs column encodings this reader decodes. */
    public static final List<String> OBS_ENCODINGS = List.of("array", "string-array", "categorical",
            "nullable-integer", "nullable-boolean", "nullable-string-array");

    /** The matrix encodings this reader decodes. */
    public static final List<String> MATRIX_ENCODINGS = List.of("array", "csr_matrix", "csc_matrix");

    private final String label;
    private final HdfFile file;
    private final Group obs;
    private final String[] obsNames;

    /**
     * One decoded obs column.
     *
     * @param name     column name
     * @param encoding its AnnData encoding
     * @param strings  text of every value ({@code null} = missing); integral numbers are written without ".0"
     * @param numbers  numeric values (NaN = missing) or null when the column holds text
     */
    public record ObsColumn(String name, String encoding, String[] strings, double[] numbers) {

        /** Whether the column holds numbers (numeric array, numeric categories, nullable integers). */
        public boolean numeric() {
            return numbers != null;
        }

        /** The values as numbers; text that is not a number fails with a message naming the first such value. */
        public double[] asNumbers() {
            if (numbers != null) {
                return numbers;
            }
            double[] out = new double[strings.length];
            for (int i = 0; i < strings.length; i++) {
                String s = strings[i];
                if (s == null || s.isBlank()) {
                    out[i] = Double.NaN;
                    continue;
                }
                try {
                    out[i] = Double.parseDouble(s.trim());
                } catch (NumberFormatException e) {
                    throw new InvalidInputException("obs column '" + name + "' is not numeric: row " + (i + 1)
                            + " has value '" + s + "'.");
                }
            }
            return out;
        }
    }

    /**
     * A matrix as read: rows = cells. Sparse matrices keep their CSR arrays ({@code indptr}, {@code indices},
     * {@code data}); dense ones have them null and {@code dense} set.
     */
    public record Matrix(String what, String encoding, int rows, int cols, double[] dense, int[] indptr,
                         int[] indices, double[] data) {

        public boolean sparse() {
            return dense == null;
        }

        /** Row-major dense copy, {@code out[i]} = row i. */
        public double[][] toRows() {
            double[][] out = new double[rows][cols];
            if (dense != null) {
                for (int i = 0; i < rows; i++) {
                    System.arraycopy(dense, i * cols, out[i], 0, cols);
                }
            } else {
                for (int i = 0; i < rows; i++) {
                    for (int k = indptr[i]; k < indptr[i + 1]; k++) {
                        out[i][indices[k]] += data[k];
                    }
                }
            }
            return out;
        }
    }

    private H5adReader(String label, HdfFile file) {
        this.label = label;
        this.file = file;
        try {
            String rootEncoding = encoding(file);
            if (rootEncoding != null && !rootEncoding.equals("anndata")) {
                throw unsupported("the file root", rootEncoding, List.of("anndata"));
            }
            Node obsNode = file.getChild("obs");
            if (obsNode == null) {
                throw new InvalidInputException("'" + label + "' is not an AnnData .h5ad file: it has no obs"
                        + " element (top-level elements: " + names(file) + ").");
            }
            if (!(obsNode instanceof Group g)) {
                throw new InvalidInputException("'" + label + "' stores obs as a single compound table, the legacy"
                        + " AnnData layout (anndata < 0.7), which chreode does not read; re-save it with anndata"
                        + " >= 0.8 (adata = anndata.read_h5ad(path); adata.write_h5ad(path)).");
            }
            String obsEncoding = encoding(g);
            if (obsEncoding == null) {
                throw new InvalidInputException("'" + label + "' has no encoding-type attribute on obs (a pre-0.8"
                        + " AnnData layout), which chreode does not read; re-save it with anndata >= 0.8.");
            }
            if (!obsEncoding.equals("dataframe")) {
                throw unsupported("obs", obsEncoding, List.of("dataframe"));
            }
            this.obs = g;
            String indexName = stringAttribute(g, "_index");
            if (indexName == null) {
                indexName = "_index";
            }
            Node index = g.getChild(indexName);
            if (!(index instanceof Dataset ds)) {
                throw new InvalidInputException("'" + label + "' has no obs index dataset '" + indexName
                        + "' (named by obs's _index attribute), so its cells have no names.");
            }
            this.obsNames = toStrings(ds.getDataFlat(), "obs index");
        } catch (HdfException e) {
            throw new InvalidInputException("Cannot read '" + label + "' as HDF5/AnnData: " + e.getMessage());
        }
    }

    /** Opens a local .h5ad file; {@code close()} releases it. */
    public static H5adReader open(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new InvalidInputException("Input '" + path + "' does not exist or is not a file.");
        }
        HdfFile f;
        try {
            f = new HdfFile(path);
        } catch (HdfException e) {
            throw new InvalidInputException("'" + path + "' is not a readable HDF5 (.h5ad) file: " + e.getMessage());
        }
        try {
            return new H5adReader(path.toString(), f);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    @Override
    public void close() {
        file.close();
    }

    /** Number of cells (length of the obs index). */
    public int cellCount() {
        return obsNames.length;
    }

    /** The obs names (cell ids) in file order. */
    public String[] obsNames() {
        return obsNames.clone();
    }

    /** The obs column names: {@code column-order} first, then any other child except the index. */
    public List<String> obsColumns() {
        Set<String> out = new LinkedHashSet<>();
        Attribute order = obs.getAttribute("column-order");
        if (order != null && !order.isEmpty()) {
            Object d = order.getData();
            if (d instanceof String s) {
                out.add(s);
            } else if (d instanceof String[] a) {
                out.addAll(Arrays.asList(a));
            }
        }
        String indexName = stringAttribute(obs, "_index");
        for (String child : obs.getChildren().keySet()) {
            if (!child.equals(indexName) && !child.equals("__categories")) {
                out.add(child);
            }
        }
        return new ArrayList<>(out);
    }

    public boolean hasObsColumn(String name) {
        return obsColumns().contains(name);
    }

    /**
     * Decodes obs column {@code name}; a missing one fails naming the columns present and {@code option} (the CLI
     * option that names the column, or null).
     */
    public ObsColumn obsColumn(String name, String option) {
        Node node = obs.getChildren().get(name);
        if (node == null || !obsColumns().contains(name)) {
            throw new InvalidInputException("The .h5ad input '" + label + "' has no obs column '" + name + "'"
                    + caseHint(name, obsColumns()) + "; obs columns present: " + listOrNone(obsColumns()) + "."
                    + (option == null ? "" : " Set " + option + " to name it."));
        }
        String what = "obs column '" + name + "'";
        String enc = encoding(node);
        int n = obsNames.length;
        ObsColumn col;
        if (node instanceof Dataset ds && ds.getAttribute("categories") != null) {
            col = legacyCategorical(name, ds, what);
        } else if (node instanceof Dataset ds) {
            if (enc != null && !enc.equals("array") && !enc.equals("string-array")) {
                throw unsupported(what, enc, OBS_ENCODINGS);
            }
            col = plainColumn(name, enc == null ? "array" : enc, ds.getDataFlat(), null, what);
        } else {
            Group g = (Group) node;
            if (enc == null) {
                throw unsupported(what, "(none: a group without encoding-type)", OBS_ENCODINGS);
            }
            switch (enc) {
                case "categorical" -> col = categorical(name, g, what);
                case "nullable-integer", "nullable-boolean", "nullable-string-array" -> {
                    Object values = dataset(g, "values", what).getDataFlat();
                    Object mask = dataset(g, "mask", what).getDataFlat();
                    col = plainColumn(name, enc, values, toBooleans(mask, what), what);
                }
                default -> throw unsupported(what, enc, OBS_ENCODINGS);
            }
        }
        if (col.strings().length != n) {
            throw new InvalidInputException(what + " of '" + label + "' has " + col.strings().length
                    + " values but obs has " + n + " cells.");
        }
        return col;
    }

    /** The obsm keys. */
    public List<String> obsmKeys() {
        Node node = file.getChild("obsm");
        return node instanceof Group g ? new ArrayList<>(g.getChildren().keySet()) : List.of();
    }

    /** Reads {@code obsm[key]} as a cells x components matrix. */
    public Matrix obsm(String key) {
        Node node = file.getChild("obsm") instanceof Group g ? g.getChildren().get(key) : null;
        if (node == null) {
            throw new InvalidInputException("The .h5ad input '" + label + "' has no obsm key '" + key + "'"
                    + caseHint(key, obsmKeys()) + "; obsm keys present: " + listOrNone(obsmKeys())
                    + ". Set --obsm to one of them, or use --use-x to take the features from X.");
        }
        return matrix(node, "obsm '" + key + "'");
    }

    /** The var names (gene ids) in file order, or null when var has no readable index. */
    public String[] varNames() {
        if (!(file.getChild("var") instanceof Group var)) {
            return null;
        }
        String indexName = stringAttribute(var, "_index");
        Node index = var.getChildren().get(indexName == null ? "_index" : indexName);
        return index instanceof Dataset ds ? toStrings(ds.getDataFlat(), "var index") : null;
    }

    /** Reads {@code X} (dense or sparse). */
    public Matrix x() {
        Node node = file.getChild("X");
        if (node == null) {
            throw new InvalidInputException("The .h5ad input '" + label + "' has no X matrix; choose an embedding"
                    + " with --obsm instead (obsm keys present: " + listOrNone(obsmKeys()) + ").");
        }
        return matrix(node, "X");
    }

    // ---------------------------------------------------------------------------------------------------------

    private Matrix matrix(Node node, String what) {
        String enc = encoding(node);
        int n = obsNames.length;
        if (node instanceof Dataset ds) {
            if (enc != null && !enc.equals("array")) {
                throw unsupported(what, enc, MATRIX_ENCODINGS);
            }
            int[] dims = ds.getDimensions();
            if (dims.length != 2 || dims[0] != n) {
                throw wrongShape(what, Arrays.toString(dims), n);
            }
            double[] values = toDoubles(ds.getDataFlat(), what);
            return new Matrix(what, "array", dims[0], dims[1], values, null, null, null);
        }
        Group g = (Group) node;
        if (enc == null || !(enc.equals("csr_matrix") || enc.equals("csc_matrix"))) {
            throw unsupported(what, enc == null ? "(none: a group without encoding-type)" : enc, MATRIX_ENCODINGS);
        }
        Attribute shapeAttr = g.getAttribute("shape");
        if (shapeAttr == null) {
            throw new InvalidInputException(what + " of '" + label + "' is a " + enc + " without a shape attribute.");
        }
        long[] shape = toLongs(shapeAttr.getData(), what + " shape");
        if (shape.length != 2 || shape[0] != n || shape[1] > Integer.MAX_VALUE) {
            throw wrongShape(what, Arrays.toString(shape), n);
        }
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        double[] data = toDoubles(dataset(g, "data", what).getDataFlat(), what + " data");
        int[] indices = toInts(dataset(g, "indices", what).getDataFlat(), what + " indices");
        int[] indptr = toInts(dataset(g, "indptr", what).getDataFlat(), what + " indptr");
        boolean csr = enc.equals("csr_matrix");
        int major = csr ? rows : cols;
        int minor = csr ? cols : rows;
        if (indptr.length != major + 1 || indices.length != data.length || indptr[0] != 0
                || indptr[major] != data.length) {
            throw new InvalidInputException(what + " of '" + label + "' is a malformed " + enc + ": shape "
                    + Arrays.toString(shape) + ", " + indptr.length + " indptr entries, " + indices.length
                    + " indices, " + data.length + " values.");
        }
        for (int k = 0; k < major; k++) {
            if (indptr[k + 1] < indptr[k]) {
                throw new InvalidInputException(what + " of '" + label + "' is a malformed " + enc
                        + ": indptr decreases at position " + (k + 1) + ".");
            }
        }
        for (int idx : indices) {
            if (idx < 0 || idx >= minor) {
                throw new InvalidInputException(what + " of '" + label + "' is a malformed " + enc + ": index "
                        + idx + " outside 0.." + (minor - 1) + ".");
            }
        }
        if (!csr) { // transpose CSC into CSR
            int[] count = new int[rows + 1];
            for (int idx : indices) {
                count[idx + 1]++;
            }
            for (int i = 0; i < rows; i++) {
                count[i + 1] += count[i];
            }
            int[] rowPtr = count.clone();
            int[] next = Arrays.copyOf(count, rows);
            int[] colIdx = new int[data.length];
            double[] vals = new double[data.length];
            for (int j = 0; j < cols; j++) {
                for (int k = indptr[j]; k < indptr[j + 1]; k++) {
                    int p = next[indices[k]]++;
                    colIdx[p] = j;
                    vals[p] = data[k];
                }
            }
            return new Matrix(what, enc, rows, cols, null, rowPtr, colIdx, vals);
        }
        return new Matrix(what, enc, rows, cols, null, indptr, indices, data);
    }

    private ObsColumn categorical(String name, Group g, String what) {
        return decodeCategorical(name, dataset(g, "codes", what).getDataFlat(),
                dataset(g, "categories", what).getDataFlat(), what);
    }

    /**
     * The anndata 0.7 layout (obs dataframe encoding-version 0.1.0): codes as a plain dataset whose
     * {@code categories} attribute references the categories, stored under {@code obs/__categories/<name>}.
     */
    private ObsColumn legacyCategorical(String name, Dataset codes, String what) {
        Node cats = obs.getChildren().get("__categories") instanceof Group g ? g.getChildren().get(name) : null;
        if (cats == null) {
            Object ref = codes.getAttribute("categories").getData();
            if (ref instanceof Number address) {
                try {
                    cats = file.getNodeByAddress(address.longValue());
                } catch (HdfException e) {
                    cats = null;
                }
            }
        }
        if (!(cats instanceof Dataset catDs)) {
            throw new InvalidInputException(what + " of '" + label + "' is an anndata 0.7 categorical whose"
                    + " categories cannot be found (no obs/__categories/" + name + ").");
        }
        return decodeCategorical(name, codes.getDataFlat(), catDs.getDataFlat(), what);
    }

    private ObsColumn decodeCategorical(String name, Object codesRaw, Object cats, String what) {
        long[] codes = toLongs(codesRaw, what + " codes");
        boolean numeric = isNumericArray(cats);
        String[] catText = numeric ? null : toStrings(cats, what + " categories");
        double[] catNum = numeric ? toDoubles(cats, what + " categories") : null;
        int ncat = numeric ? catNum.length : catText.length;
        String[] strings = new String[codes.length];
        double[] numbers = numeric ? new double[codes.length] : null;
        for (int i = 0; i < codes.length; i++) {
            long c = codes[i];
            if (c < 0) {
                if (numbers != null) {
                    numbers[i] = Double.NaN;
                }
                continue;
            }
            if (c >= ncat) {
                throw new InvalidInputException(what + " of '" + label + "' has code " + c + " at row " + (i + 1)
                        + " but only " + ncat + " categories.");
            }
            if (numeric) {
                numbers[i] = catNum[(int) c];
                strings[i] = formatNumber(numbers[i]);
            } else {
                strings[i] = catText[(int) c];
            }
        }
        return new ObsColumn(name, "categorical", strings, numbers);
    }

    private ObsColumn plainColumn(String name, String enc, Object values, boolean[] mask, String what) {
        int n = Array.getLength(values);
        String[] strings = new String[n];
        double[] numbers = null;
        if (isNumericArray(values)) {
            numbers = toDoubles(values, what);
            for (int i = 0; i < n; i++) {
                if (mask != null && mask[i]) {
                    numbers[i] = Double.NaN;
                } else {
                    strings[i] = Double.isNaN(numbers[i]) ? null : formatNumber(numbers[i]);
                }
            }
        } else {
            String[] text = toStrings(values, what);
            for (int i = 0; i < n; i++) {
                strings[i] = mask != null && mask[i] ? null : text[i];
            }
        }
        return new ObsColumn(name, enc, strings, numbers);
    }

    private Dataset dataset(Group g, String child, String what) {
        Node node = g.getChildren().get(child);
        if (!(node instanceof Dataset ds)) {
            throw new InvalidInputException(what + " of '" + label + "' (encoding " + encoding(g) + ") has no '"
                    + child + "' dataset.");
        }
        return ds;
    }

    private InvalidInputException unsupported(String what, String encoding, List<String> supported) {
        return new InvalidInputException(what + " of '" + label + "' uses the AnnData encoding '" + encoding
                + "', which chreode cannot read (supported: " + String.join(", ", supported) + ").");
    }

    private InvalidInputException wrongShape(String what, String shape, int n) {
        return new InvalidInputException(what + " of '" + label + "' has shape " + shape + "; expected a 2-D"
                + " matrix with one row per cell (" + n + " rows, the length of the obs index).");
    }

    private static String encoding(Node node) {
        return stringAttribute(node, "encoding-type");
    }

    private static String stringAttribute(Node node, String name) {
        Attribute a = node.getAttribute(name);
        if (a == null || a.isEmpty()) {
            return null;
        }
        Object d = a.getData();
        if (d instanceof String s) {
            return s;
        }
        if (d instanceof String[] arr && arr.length == 1) {
            return arr[0];
        }
        return null;
    }

    private static String names(Group g) {
        return listOrNone(new ArrayList<>(g.getChildren().keySet()));
    }

    private static String listOrNone(List<String> names) {
        return names.isEmpty() ? "(none)" : String.join(", ", names);
    }

    private static String caseHint(String name, List<String> names) {
        for (String n : names) {
            if (n.equalsIgnoreCase(name) && !n.equals(name)) {
                return " (did you mean '" + n + "'? names are case-sensitive)";
            }
        }
        return "";
    }

    /** Integral values as integers ({@code 10.0} becomes "10"), others in Java's shortest round-trip form. */
    static String formatNumber(double v) {
        if (Double.isNaN(v)) {
            return null;
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    private static boolean isNumericArray(Object flat) {
        return flat instanceof double[] || flat instanceof float[] || flat instanceof int[] || flat instanceof long[]
                || flat instanceof short[] || flat instanceof byte[] || flat instanceof boolean[]
                || flat instanceof BigInteger[];
    }

    private static double[] toDoubles(Object flat, String what) {
        if (flat instanceof double[] d) {
            return d;
        }
        if (!isNumericArray(flat)) {
            throw new InvalidInputException(what + " is not numeric (it holds "
                    + flat.getClass().getComponentType().getSimpleName() + " values).");
        }
        int n = Array.getLength(flat);
        double[] out = new double[n];
        if (flat instanceof float[] f) {
            for (int i = 0; i < n; i++) {
                out[i] = f[i];
            }
        } else if (flat instanceof boolean[] b) {
            for (int i = 0; i < n; i++) {
                out[i] = b[i] ? 1 : 0;
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = ((Number) Array.get(flat, i)).doubleValue();
            }
        }
        return out;
    }

    private static long[] toLongs(Object flat, String what) {
        if (flat instanceof long[] l) {
            return l;
        }
        if (flat instanceof Number x) {
            return new long[] {x.longValue()};
        }
        if (!isNumericArray(flat) || flat instanceof double[] || flat instanceof float[]) {
            throw new InvalidInputException(what + " must hold integers.");
        }
        int n = Array.getLength(flat);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = ((Number) Array.get(flat, i)).longValue();
        }
        return out;
    }

    private static int[] toInts(Object flat, String what) {
        if (flat instanceof int[] a) {
            return a;
        }
        long[] l = toLongs(flat, what);
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            if (l[i] > Integer.MAX_VALUE || l[i] < Integer.MIN_VALUE) {
                throw new InvalidInputException(what + " holds " + l[i] + ", beyond the 2^31 entries chreode"
                        + " reads from one matrix.");
            }
            out[i] = (int) l[i];
        }
        return out;
    }

    private static boolean[] toBooleans(Object flat, String what) {
        if (flat instanceof boolean[] b) {
            return b;
        }
        if (flat instanceof String[] s) { // HDF5 enum booleans as written by h5py
            boolean[] out = new boolean[s.length];
            for (int i = 0; i < s.length; i++) {
                out[i] = s[i] != null && s[i].toUpperCase(Locale.ROOT).startsWith("T");
            }
            return out;
        }
        long[] l = toLongs(flat, what + " mask");
        boolean[] out = new boolean[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = l[i] != 0;
        }
        return out;
    }

    private static String[] toStrings(Object flat, String what) {
        if (flat instanceof String[] s) {
            return s;
        }
        if (isNumericArray(flat)) {
            double[] d = toDoubles(flat, what);
            String[] out = new String[d.length];
            for (int i = 0; i < d.length; i++) {
                out[i] = formatNumber(d[i]);
            }
            return out;
        }
        if (flat instanceof Object[] o) {
            String[] out = new String[o.length];
            for (int i = 0; i < o.length; i++) {
                out[i] = o[i] == null ? null : o[i].toString();
            }
            return out;
        }
        throw new InvalidInputException(what + " holds values of an unreadable type ("
                + flat.getClass().getSimpleName() + ").");
    }
}
