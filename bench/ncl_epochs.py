"""Does the speech encoder's self-supervised pre-training pay off with more steps? (issue 14: on the demo corpus, with the heads on
speaker-normalised embeddings, NCL and NCL + CL are level with the random-initialised encoder after the demo's 2 + 1 epochs.)

Run: python bench/ncl_epochs.py reports/demo [--epochs 2,4,8] [--cl_epochs 1] [--workers 1] [--out bench/results/ncl_epochs_demo.json]
For each NCL epoch count, the speech stage itself (`avemo.stages.speech_stage` with the demo profile's settings, `ncl_epochs` changed,
then `cl_epochs` of InfoNCE as in the demo) runs in a scratch copy of the run (processed data hard-linked, read only; the run is not
written), and the script records:
- each model's LOSO CCC (V, A, D) and its linear probe's, as the run's main table reports them (heads on speaker-normalised embeddings);
- per fold, the wins of `speech_ncl` and `speech_ncl_cl` against the random-initialised encoder and against eGeMAPS + ridge (the run's
  own `egemaps_baseline` folds: the same folds);
- the NCL loss and the learning diagnostics after every epoch (collapse, uniformity, and the diagnostics' probe, which uses
  training-fold statistics).
The random-initialised encoder is the same in every row (the same seed): the reference does not move.
"""
import argparse, json, shutil, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent)); from common import VAD, machine, scratch_copy, fold_scores

MODELS = ('speech_random_init', 'speech_ncl', 'speech_ncl_cl')

def one(run: str, ncl_epochs: int, cl_epochs: int) -> dict:
    import contextlib, io, torch; torch.set_num_threads(1)
    from avemo import stages
    from avemo.core import load_profile
    p = stages.defaults(stages.speech_stage)
    p.update({k: v for k, v in load_profile('demo').items() if k in p})
    p.update(ncl_epochs=ncl_epochs, cl_epochs=cl_epochs, tracker='none')
    scratch = scratch_copy(run, f'ncl_epochs_{ncl_epochs}_'); t0 = time.time()
    try:
        with contextlib.redirect_stdout(io.StringIO()): res = stages.speech_stage(scratch, **{k: v for k, v in p.items() if k != 'run'})
        folds = {m: fold_scores(scratch/'tables'/f'{m}_folds.csv') for m in MODELS}
        ref = {'speech_random_init': folds['speech_random_init'], 'egemaps_baseline': fold_scores(Path(run)/'tables'/'egemaps_baseline_folds.csv')}
        wins = {f'{m} vs {r}': {d: int(sum(a > b for a, b in zip(folds[m][d], ref[r][d]))) for d in VAD}
                for m in ('speech_ncl', 'speech_ncl_cl') for r in ref}
        hist = res.tables['NCL history']; diag = res.tables['learning diagnostics']
        return dict(ncl_epochs=ncl_epochs, cl_epochs=cl_epochs, seconds=round(time.time() - t0),
                    ccc={m: {d: round(res.metrics[f'{m}/ccc_{d}'], 4) for d in VAD} for m in MODELS},
                    probe={m: {d: round(res.metrics[f'{m}_probe/ccc_{d}'], 4) for d in VAD} for m in MODELS},
                    folds=folds, wins=wins, ncl_loss=[round(float(x), 4) for x in hist.train_loss],
                    diagnostics=diag.round(4).to_dict('index'))
    finally: shutil.rmtree(scratch, ignore_errors=True)

def main(run, epochs, cl_epochs, workers, out):
    t0 = time.time()
    with ProcessPoolExecutor(workers, max_tasks_per_child=1) as ex:
        rows = list(ex.map(one, [run] * len(epochs), epochs, [cl_epochs] * len(epochs)))
    res = dict(command=' '.join(sys.argv), run=str(run), seconds=round(time.time() - t0), machine=machine(), rows=rows)
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1))
    for r in rows:
        print(f"NCL {r['ncl_epochs']} epochs + CL {r['cl_epochs']} ({r['seconds']} s): NCL loss {r['ncl_loss']}")
        for m in MODELS:
            c, q = ' '.join(f'{r["ccc"][m][d]:.3f}' for d in VAD), ' '.join(f'{r["probe"][m][d]:.3f}' for d in VAD)
            print(f"  {m:20s} CCC V/A/D {c}  probe {q}")
        for k, w in r['wins'].items(): print(f"  folds won, {k:40s} V {w['valence']} A {w['arousal']} D {w['dominance']} of 5")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0]); ap.add_argument('run')
    ap.add_argument('--epochs', default='2,4,8', help='NCL epoch counts, comma-separated')
    ap.add_argument('--cl_epochs', type=int, default=1); ap.add_argument('--workers', type=int, default=1)
    ap.add_argument('--out', default='bench/results/ncl_epochs_demo.json'); a = ap.parse_args()
    main(a.run, [int(e) for e in a.epochs.split(',')], a.cl_epochs, a.workers, a.out)
