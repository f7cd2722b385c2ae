package org.chreode.jobs.io;

import java.util.List;

/**
 * Which columns of an input table hold what (CONTRACT.md, "Input table"): the user's request before it is resolved
 * against a schema.
 *
 * @param idCol         cell identifier column ({@code --id-col})
 * @param roleCol       role column ({@code --role-col}); required for a snapshot; null = none (ids and features
 *                      only, every cell intermediate)
 * @param fateCol       fate label column ({@code --fate-col})
 * @param fateRequired  whether a missing fate column is an error (true when the user named it explicitly)
 * @param features      explicit feature columns ({@code --features}); empty = not given
 * @param featurePrefix feature columns by name prefix ({@code --feature-prefix}); null = not given
 * @param obsm          .h5ad inputs: the {@code obsm} key holding the features ({@code --obsm}, default X_pca)
 * @param useX          .h5ad inputs: take the features from {@code X} instead of obsm ({@code --use-x})
 */
public record SnapshotColumns(String idCol, String roleCol, String fateCol, boolean fateRequired,
                              List<String> features, String featurePrefix, String obsm, boolean useX)
        implements java.io.Serializable {

    public static final String DEFAULT_ID_COL = "cell_id";
    public static final String DEFAULT_ROLE_COL = "role";
    public static final String DEFAULT_FATE_COL = "fate";
    public static final String DEFAULT_OBSM = "X_pca";

    public SnapshotColumns {
        features = features == null ? List.of() : List.copyOf(features);
        obsm = obsm == null || obsm.isBlank() ? DEFAULT_OBSM : obsm;
    }

    /** Table columns only; the .h5ad options keep their defaults (obsm X_pca, not X). */
    public SnapshotColumns(String idCol, String roleCol, String fateCol, boolean fateRequired, List<String> features,
                           String featurePrefix) {
        this(idCol, roleCol, fateCol, fateRequired, features, featurePrefix, DEFAULT_OBSM, false);
    }

    /** The contract's default names; features = every numeric column not named elsewhere. */
    public static SnapshotColumns defaults() {
        return new SnapshotColumns(DEFAULT_ID_COL, DEFAULT_ROLE_COL, DEFAULT_FATE_COL, false, List.of(), null);
    }

    /** Ids and features only (no role or fate column), e.g. for {@code refine}. */
    public static SnapshotColumns featuresOnly(String idCol, List<String> features, String featurePrefix) {
        return new SnapshotColumns(idCol, null, null, false, features, featurePrefix);
    }

    public SnapshotColumns withFeatures(List<String> names) {
        return new SnapshotColumns(idCol, roleCol, fateCol, fateRequired, names, featurePrefix, obsm, useX);
    }

    public SnapshotColumns withFeaturePrefix(String prefix) {
        return new SnapshotColumns(idCol, roleCol, fateCol, fateRequired, features, prefix, obsm, useX);
    }

    /** .h5ad inputs: features from {@code obsm[key]}. */
    public SnapshotColumns withObsm(String key) {
        return new SnapshotColumns(idCol, roleCol, fateCol, fateRequired, features, featurePrefix, key, false);
    }

    /** .h5ad inputs: features from {@code X} (dense or sparse). */
    public SnapshotColumns withUseX(boolean x) {
        return new SnapshotColumns(idCol, roleCol, fateCol, fateRequired, features, featurePrefix, obsm, x);
    }
}
