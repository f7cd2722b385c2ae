package org.chreode.jobs.cli;

import java.util.ArrayList;
import java.util.List;

import org.chreode.jobs.io.SnapshotColumns;
import picocli.CommandLine.Option;

/** Which column identifies a cell and which columns are its features: shared by every command that reads cells. */
public final class FeatureOptions {

    @Option(names = "--id-col", paramLabel = "NAME", defaultValue = SnapshotColumns.DEFAULT_ID_COL,
            description = "Cell id column (.h5ad: an obs column if present, else the obs names). Default: ${DEFAULT-VALUE}.")
    String idCol;

    @Option(names = "--features", split = ",", paramLabel = "COL",
            description = "Feature columns, comma-separated. Default: every numeric column not named elsewhere.")
    List<String> features = new ArrayList<>();

    @Option(names = "--feature-prefix", paramLabel = "PREFIX",
            description = "Use every column whose name starts with PREFIX as a feature. Default: none.")
    String featurePrefix;
}
