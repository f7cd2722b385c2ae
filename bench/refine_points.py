"""30-D point clouds of the Hierarchical Refinement benchmark (bench/refine_pot.sh), written once as raw
little-endian float64 (row-major n x d, no header) so that the chreode main and the POT peer read the same numbers.

Source: a mixture of 8 Gaussians in d dimensions, component k centred at 3*e_{k mod d} + 3*e_{(k+1) mod d}
(sqrt(18) ~ 4.2 apart, per-coordinate sd 1), equal weights.
Target: z ~ N(0, I_d), then the non-linear map y = z + 0.8*sin(1.5*z[perm]) + 0.3*z**2 - 0.3 + 1 (a smooth warp with
coordinate coupling, shifted by 1 in every coordinate), perm a fixed seeded permutation of the coordinates.
Both clouds come from numpy default_rng(seed); source and target use independent streams (seed, seed + 1).
Usage: python3 refine_points.py N D SEED out_prefix  -> out_prefix_x.f64, out_prefix_y.f64"""
import sys
import numpy as np


def make(n, d, seed):
    rs = np.random.default_rng(seed)
    comp = rs.integers(0, 8, size=n)
    centres = np.zeros((8, d))
    for k in range(8):
        centres[k, k % d] += 3.0
        centres[k, (k + 1) % d] += 3.0
    x = centres[comp] + rs.standard_normal((n, d))
    rt = np.random.default_rng(seed + 1)
    z = rt.standard_normal((n, d))
    perm = np.random.default_rng(1000 + d).permutation(d)
    y = z + 0.8 * np.sin(1.5 * z[:, perm]) + 0.3 * z ** 2 - 0.3 + 1.0
    return x, y


if __name__ == '__main__':
    n, d, seed, prefix = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    x, y = make(n, d, seed)
    x.astype('<f8').tofile(prefix + '_x.f64')
    y.astype('<f8').tofile(prefix + '_y.f64')
