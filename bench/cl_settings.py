"""Does a gentler pseudo-label InfoNCE (CL) stage keep what NCL learnt? (issue 14: over seeds 0-2, `speech_ncl_cl` is below `speech_ncl`
on arousal, 0.789 against 0.810, and on dominance, 0.590 against 0.702; the demo's CL runs at the thesis's SGD learning rate 0.05 and
temperature 0.1 right after NCL.)

Run: python bench/cl_settings.py reports/demo [--configs "cl_lr=0.01;temperature=0.5"] [--seeds 0,1,2] [--workers 2]
                                 [--out bench/results/cl_settings_demo.json]
Each configuration (`;`-separated; `key=value` pairs separated by `,`, speech-stage parameters over the demo profile's) runs the speech
stage itself (`avemo.stages.speech_stage`: pseudo-labels, NCL, CL, embeddings, LOSO heads and probes) at each seed, in a scratch copy of
the run (processed data hard-linked, read only; the run is not written). The seed sets initialisation and shuffling, as the run's
`seeds/seed<k>` folders do, on the same corpus; the demo profile's own setting at seed k is that seeds run's row (seed 0: the main table).
Recorded per configuration and seed: each model's LOSO CCC (V, A, D), and per fold the wins of `speech_ncl_cl` against the same seed's
`speech_ncl` and random-initialised encoder and against eGeMAPS + ridge (the run's `egemaps_baseline` folds: the same folds); then
the mean over seeds.
"""
import argparse, json, shutil, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent)); from common import VAD, machine, scratch_copy, fold_scores, parse_config, settings_grid

MODELS = ('speech_random_init', 'speech_ncl', 'speech_ncl_cl')

def one(run: str, over: dict, seed: int) -> dict:
    import contextlib, io, torch; torch.set_num_threads(1)
    from avemo import stages
    from avemo.core import load_profile
    p = stages.defaults(stages.speech_stage)
    p.update({k: v for k, v in load_profile('demo').items() if k in p})
    unknown = set(over) - set(p)
    if unknown: raise SystemExit(f'not speech-stage parameters: {sorted(unknown)}')
    p.update(over, seed=seed, tracker='none')
    scratch = scratch_copy(run, 'cl_settings_'); t0 = time.time()
    try:
        with contextlib.redirect_stdout(io.StringIO()): res = stages.speech_stage(scratch, **{k: v for k, v in p.items() if k != 'run'})
        folds = {m: fold_scores(scratch/'tables'/f'{m}_folds.csv') for m in MODELS}
        refs = dict(speech_ncl=folds['speech_ncl'], speech_random_init=folds['speech_random_init'],
                    egemaps_baseline=fold_scores(Path(run)/'tables'/'egemaps_baseline_folds.csv'))
        wins = {r: {d: int(sum(a > b for a, b in zip(folds['speech_ncl_cl'][d], f[d]))) for d in VAD} for r, f in refs.items()}
        return dict(config=over, seed=seed, seconds=round(time.time() - t0),
                    ccc={m: {d: round(res.metrics[f'{m}/ccc_{d}'], 4) for d in VAD} for m in MODELS}, folds=folds, ncl_cl_wins=wins)
    finally: shutil.rmtree(scratch, ignore_errors=True)

def main(run, configs, seeds, workers, out):
    t0 = time.time(); rows, summary = settings_grid(one, run, configs, seeds, workers, MODELS, 'ncl_cl_wins')
    res = dict(command=' '.join(sys.argv), run=str(run), seconds=round(time.time() - t0), machine=machine(), summary=summary, rows=rows)
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1))
    for s in summary:
        print(f"{s['config']} (seeds {s['seeds']}), mean over seeds:")
        for m in MODELS: print(f"  {m:20s} V/A/D " + ' '.join(f"{s['mean'][m][d]:.3f}" for d in VAD))
        for ref, w in s['ncl_cl_wins'].items(): print(f"  speech_ncl_cl folds won vs {ref:20s} " + '  '.join(f"{d[0].upper()} {w[d]}" for d in VAD))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0]); ap.add_argument('run')
    ap.add_argument('--configs', default='cl_lr=0.01;temperature=0.5', help="';'-separated configurations of 'key=value,key=value'")
    ap.add_argument('--seeds', default='0,1,2'); ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--out', default='bench/results/cl_settings_demo.json'); a = ap.parse_args()
    main(a.run, [parse_config(c) for c in a.configs.split(';') if c.strip()], [int(s) for s in a.seeds.split(',')], a.workers, a.out)
