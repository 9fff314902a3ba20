"""Where the speech encoders' arousal and dominance information sits: between the emotion categories or within them (issue 14:
`speech_ncl_cl` loses arousal against `speech_ncl`, most in fold 4).

Run: python bench/within_category.py reports/demo [--out bench/results/within_category_demo.json]
For each speech encoder of the run, the linear probe of the main table (closed-form ridge under the LOSO folds, on the cached utterance
embeddings z-scored per speaker, as the demo's heads read them; `avemo.probes.ridge_fold`) predicts every test utterance. Per test
fold, the predictions and labels are split into their category means (IEMOCAP's emotion labels of the utterances) and the deviations
from them, and the script reports the Pearson r of each part: `between` (does the encoder tell the categories' mean levels apart?)
and `within` (does it follow arousal and dominance inside a category?). The CL stage's InfoNCE never uses two clips with the same
pseudo-label as negatives, so nothing in it keeps same-category clips apart; this measures whether within-category information is
what it costs.
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).parent)); from common import machine

DIMS = ('valence', 'arousal', 'dominance')
MODELS = ('speech_random_init', 'speech_ncl', 'speech_ncl_cl')

def split_r(p, d: str) -> tuple[list, list]:
    "Per fold: Pearson r of the within-category deviations and of the category means (each utterance carries its category's mean)."
    within, between = [], []
    for _, g in p.groupby('fold', sort=True):
        m = g.groupby('emotion')[[f'pred_{d}', d]].transform('mean')
        within.append(float(np.corrcoef(g[f'pred_{d}'] - m[f'pred_{d}'], g[d] - m[d])[0, 1]))
        between.append(float(np.corrcoef(m[f'pred_{d}'], m[d])[0, 1]))
    return within, between

def main(run, out):
    from avemo.core import RunDir
    from avemo.data import load_manifest
    from avemo.crossval import cross_validate, cached_embeddings
    from avemo.probes import ridge_fold
    from avemo.stages import speaker_normalized
    t0, r = time.time(), RunDir(run)
    utts = load_manifest(r.manifest('iemocap', 'utterances')); index = {u: i for i, u in enumerate(utts.utt_id)}
    rows = []
    for m in MODELS:
        x = speaker_normalized(np.asarray(cached_embeddings(r.embeddings(m), utts.utt_id.tolist()), np.float64), utts.speaker)
        p = cross_validate(utts, ridge_fold(x, index), f'{m}_probe', seed=0).predictions.merge(utts[['utt_id', 'emotion']], on='utt_id')
        for d in DIMS:
            w, b = split_r(p, d)
            rows.append(dict(model=m, dimension=d, within_r=round(float(np.mean(w)), 4), between_r=round(float(np.mean(b)), 4),
                             within_per_fold=[round(v, 4) for v in w], between_per_fold=[round(v, 4) for v in b]))
            print(f"{m:20s} {d:9s} within-category r {np.mean(w):.3f} ({' '.join(f'{v:+.2f}' for v in w)})  between r {np.mean(b):.3f}")
    res = dict(command=' '.join(sys.argv), run=str(run), categories=utts.emotion.value_counts().to_dict(), seconds=round(time.time() - t0, 1),
               machine=machine(), rows=rows)
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0]); ap.add_argument('run')
    ap.add_argument('--out', default='bench/results/within_category_demo.json'); a = ap.parse_args(); main(a.run, a.out)
