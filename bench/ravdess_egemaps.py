"""A hand-crafted reference for the RAVDESS track: eGeMAPS functionals (openSMILE) + logistic regression (scikit-learn) under the
ravdess stage's folds, on a finished run's processed RAVDESS clips. Not a stage: it says what the demo's deep models could reach.

Run: python bench/ravdess_egemaps.py reports/demo [--folds 4] [--out bench/results/ravdess_egemaps_demo.json]
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).parent)); from common import machine
from avemo.core import RunDir
from avemo.data import load_manifest
from avemo.crossval import loso_split
from avemo.probes import egemaps
from avemo.ravdess import ravdess_items, assign_folds, check_folds, class_scores
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

def main(run, folds, out, C=0.1, seed=0):
    run, t0 = RunDir(run), time.time()
    items = assign_folds(ravdess_items(load_manifest(run.manifest('ravdess', 'clips'))), folds); check_folds(items, seed=seed)
    X = np.stack([egemaps(np.load(run.processed('ravdess')/a).astype(np.float32) / 32768) for a in items.audio_npy])
    rows = []
    for f in sorted(items.fold.unique()):
        tr, va, te = loso_split(items, f, seed=seed)                      # the stage's split; validation actors unused (C fixed)
        idx = lambda d: items.index[items.utt_id.isin(d.utt_id)]
        m = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000)).fit(X[idx(tr)], items.label[idx(tr)])
        rows.append(dict(fold=int(f), **class_scores(m.predict(X[idx(te)]), items.label[idx(te)].to_numpy())))
    mean = {k: round(float(np.mean([r[k] for r in rows])), 4) for k in ('wa', 'uar', 'f1')}
    res = dict(command=' '.join(sys.argv), run=str(run.path), model=f'eGeMAPS v02 functionals + logistic regression (C={C})', folds=rows, mean=mean,
               seconds=round(time.time() - t0, 1), machine=machine())
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1)); print(mean)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0]); p.add_argument('run'); p.add_argument('--folds', type=int, default=4)
    p.add_argument('--out', default='bench/results/ravdess_egemaps_demo.json'); a = p.parse_args(); main(a.run, a.folds, a.out)
