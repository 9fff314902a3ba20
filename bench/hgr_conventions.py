"""avemo's soft_hgr against the two published normalisations of the Soft-HGR objective (Wang et al. 2019), written here
independently with NumPy in float64:

- 'soft-hgr (N-1)': E[f̃ᵀg̃] and the covariances both with 1/(N-1), the form avemo implements;
- 'h-score': the cross term as a mean over N, the covariances with 1/(N-1) (the other normalisation in use).

They differ only by the normalisation of the cross term, (N/(N-1) - 1)·mean(f̃ᵀg̃), which vanishes as N grows.
Run: python bench/hgr_conventions.py   (writes bench/results/hgr_conventions.json)"""
import json, sys
from pathlib import Path
import numpy as np, torch
sys.path.insert(0, str(Path(__file__).parent)); from common import machine
from avemo.losses import soft_hgr

def reference(f, g, cross_over_n:bool):
    f, g = f - f.mean(0), g - g.mean(0); n = len(f)
    cross = (f * g).sum(1).mean() if cross_over_n else (f * g).sum() / (n - 1)
    return cross - 0.5 * np.trace(np.cov(f, rowvar=False) @ np.cov(g, rowvar=False))

if __name__ == '__main__':
    rng, rows = np.random.default_rng(0), []
    for n in (8, 64, 512):
        x = rng.normal(size=(n, 4)); y = 0.6 * x + 0.8 * rng.normal(size=(n, 4))     # correlated views
        ours = float(soft_hgr(torch.from_numpy(x), torch.from_numpy(y)))
        rows.append(dict(n=n, avemo=ours, soft_hgr_n_minus_1=float(reference(x, y, False)), h_score=float(reference(x, y, True)),
                         abs_diff_soft_hgr=abs(ours - float(reference(x, y, False))), abs_diff_h_score=abs(ours - float(reference(x, y, True)))))
    out = dict(command='python bench/hgr_conventions.py', machine=machine(), rows=rows)
    Path(__file__).parent.joinpath('results/hgr_conventions.json').write_text(json.dumps(out, indent=1))
    for r in rows: print(r)
