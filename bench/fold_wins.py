"""Per-fold wins of a run's speech models against eGeMAPS + ridge and the random-initialised encoder (issue 14's bar: 4 of 5 folds).

Run: python bench/fold_wins.py RUN [--out bench/results/fold_wins.json]
Reads the run's `tables/<model>_folds.csv` (LOSO CCC per test session) and writes each model's mean and per-fold CCC and its folds
won against `egemaps_baseline` and `speech_random_init` (the same folds of the same run). Example (this repository's measurement):
the speech side of the demo at twice its size, `avemo pipeline --profile bench/profiles/speech_scale2.yaml --out /tmp/scale2/run
--stages prepare,baselines,speech` (56 labelled utterances per test session instead of 28, 200 TED-LIUM talks instead of 100), then
`python bench/fold_wins.py /tmp/scale2/run --out bench/results/fold_wins_speech_scale2.json`.
"""
import argparse, json, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent)); from common import VAD, machine, fold_scores

MODELS = ('egemaps_baseline', 'egemaps_speaker_norm_baseline', 'mfcc_baseline', 'speech_random_init', 'speech_ncl', 'speech_ncl_cl')
REFS = ('egemaps_baseline', 'speech_random_init')

def main(run, out):
    t = Path(run)/'tables'
    folds = {m: fold_scores(t/f'{m}_folds.csv') for m in MODELS if (t/f'{m}_folds.csv').exists()}
    rows = {m: dict(mean={d: round(sum(f[d]) / len(f[d]), 4) for d in VAD}, folds=f,
                    wins={r: {d: int(sum(a > b for a, b in zip(f[d], folds[r][d]))) for d in VAD} for r in REFS if r in folds and r != m})
            for m, f in folds.items()}
    cfg = json.loads((Path(run)/'config.json').read_text()) if (Path(run)/'config.json').exists() else {}
    res = dict(command=' '.join(sys.argv), run=str(run), profile=cfg.get('profile'), machine=machine(), models=rows)
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1))
    for m, r in rows.items():
        print(f"{m:30s} V/A/D " + ' '.join(f"{r['mean'][d]:.3f}" for d in VAD) + ''.join(
            f"   folds won vs {ref}: " + '/'.join(str(w[d]) for d in VAD) for ref, w in r['wins'].items()))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0]); ap.add_argument('run')
    ap.add_argument('--out', default='bench/results/fold_wins.json'); a = ap.parse_args(); main(a.run, a.out)
