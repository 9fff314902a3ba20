"""The whole visual stage with a setting changed, at several seeds (issue 14: does an MCL setting that lifts the MCL probe, such as
`mcl_views: appearance`, carry through to the face rows of the main table?).

Run: python bench/visual_settings.py reports/demo [--configs "mcl_views=appearance"] [--seeds 0,1,2] [--workers 2]
                                     [--out bench/results/visual_settings_demo.json]
Each configuration (`;`-separated; `key=value` pairs separated by `,`, visual-stage parameters over the demo profile's) runs the
visual stage itself (`avemo.stages.visual_stage`: MCL, the landmark stage, the LOSO heads and probes of the three encoders) at each
seed, in a scratch copy of the run (processed data hard-linked, read only; the run is not written). The seed sets initialisation,
shuffling and augmentation, as the run's `seeds/seed<k>` folders do, on the same corpus; the demo profile's own setting at seed k is
that seeds run's row (seed 0: the main table). Recorded per configuration and seed: every face row's LOSO CCC (V, A, D) and, per
fold, the wins of `visual_mcl` and `visual_mcl_landmarks` against the same seed's `visual_random_init`; then the mean over seeds.
"""
import argparse, json, shutil, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent)); from common import VAD, machine, scratch_copy, fold_scores, parse_config, settings_grid

MODELS = ('visual_random_init', 'visual_mcl', 'visual_mcl_landmarks', 'visual_mcl_landmarks_fixedlen')

def one(run: str, over: dict, seed: int) -> dict:
    import contextlib, io, multiprocessing, torch; torch.set_num_threads(1)
    multiprocessing.set_start_method('fork', force=True)   # this process was spawned; the stage's DataLoader worker forks, as in a run
    from avemo import stages
    from avemo.core import load_profile
    p = stages.defaults(stages.visual_stage)
    p.update({k: v for k, v in load_profile('demo').items() if k in p})
    unknown = set(over) - set(p)
    if unknown: raise SystemExit(f'not visual-stage parameters: {sorted(unknown)}')
    p.update(over, seed=seed, tracker='none')
    scratch = scratch_copy(run, 'visual_settings_'); t0 = time.time()
    try:
        with contextlib.redirect_stdout(io.StringIO()): res = stages.visual_stage(scratch, **{k: v for k, v in p.items() if k != 'run'})
        folds = {m: fold_scores(scratch/'tables'/f'{m}_folds.csv') for m in MODELS}
        wins = {m: {d: int(sum(a > b for a, b in zip(folds[m][d], folds['visual_random_init'][d]))) for d in VAD}
                for m in ('visual_mcl', 'visual_mcl_landmarks')}
        return dict(config=over, seed=seed, seconds=round(time.time() - t0),
                    ccc={m: {d: round(res.metrics[f'{m}/ccc_{d}'], 4) for d in VAD} for m in MODELS},
                    probe={m: {d: round(res.metrics[f'{m}_probe/ccc_{d}'], 4) for d in VAD} for m in MODELS[:3]},
                    folds=folds, wins_vs_random_init=wins)
    finally: shutil.rmtree(scratch, ignore_errors=True)

def main(run, configs, seeds, workers, out):
    t0 = time.time(); rows, summary = settings_grid(one, run, configs, seeds, workers, MODELS, 'wins_vs_random_init')
    res = dict(command=' '.join(sys.argv), run=str(run), seconds=round(time.time() - t0), machine=machine(), summary=summary, rows=rows)
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1))
    for s in summary:
        print(f"{s['config']} (seeds {s['seeds']}), mean over seeds:")
        for m in MODELS: print(f"  {m:30s} V/A/D " + ' '.join(f"{s['mean'][m][d]:.3f}" for d in VAD))
        for m, w in s['wins_vs_random_init'].items(): print(f"  {m} folds won vs visual_random_init " + '  '.join(f"{d[0].upper()} {w[d]}" for d in VAD))
    for r in rows: print(f"seed {r['seed']} {r['config']}: " + '; '.join(f"{m} " + ' '.join(f"{r['ccc'][m][d]:.3f}" for d in VAD) for m in MODELS))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0]); ap.add_argument('run')
    ap.add_argument('--configs', default='mcl_views=appearance', help="';'-separated configurations of 'key=value,key=value'")
    ap.add_argument('--seeds', default='0,1,2'); ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--out', default='bench/results/visual_settings_demo.json'); a = ap.parse_args()
    main(a.run, [parse_config(c) for c in a.configs.split(';') if c.strip()], [int(s) for s in a.seeds.split(',')], a.workers, a.out)
