"""Uniform random 2-D snapshot of the MultistageOT benchmark (shared/data/multistageot/README.md recipe):
points default_rng(seed=N).random((N, 2)); initial = 3 points nearest (0,0); terminal = 3 fates x 3 points nearest
(1,0) = A, (0,1) = B, (1,1) = C, chosen in that order excluding already chosen cells.
Usage: python3 uniform_points.py N out.csv"""
import sys
import numpy as np


def make(n):
    x = np.random.default_rng(seed=n).random((n, 2))
    role = np.array(['intermediate'] * n, dtype=object)
    fate = np.array([''] * n, dtype=object)
    taken = set()

    def nearest(corner, k):
        d = ((x - np.array(corner)) ** 2).sum(1)
        out = [i for i in np.argsort(d, kind='stable') if i not in taken][:k]
        taken.update(out)
        return out

    for i in nearest((0, 0), 3):
        role[i] = 'initial'
    for label, corner in (('A', (1, 0)), ('B', (0, 1)), ('C', (1, 1))):
        for i in nearest(corner, 3):
            role[i] = 'terminal'
            fate[i] = label
    return x, role, fate


if __name__ == '__main__':
    n, path = int(sys.argv[1]), sys.argv[2]
    x, role, fate = make(n)
    with open(path, 'w') as f:
        f.write('cell,x,y,role,fate\n')
        for i in range(n):
            f.write('%d,%s,%s,%s,%s\n' % (i, repr(float(x[i, 0])), repr(float(x[i, 1])), role[i], fate[i]))
