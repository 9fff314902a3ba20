"""The speech stage and the baselines on espeak-ng speech (bench/tts_corpus.py), under the demo profile's LOSO protocol (issue 14:
"checked beyond the demo"; the speech model must beat MFCC there and approach hand-crafted prosody features).

Run: python bench/tts_check.py [--profile demo] [--work /tmp/tts_check] [--out bench/results/tts_check.json] [--rerun] [--talks N]
Needs `espeak-ng` (Debian: `apt-get install espeak-ng`). Steps: write the demo corpus's IEMOCAP and TED-LIUM (avemo.synth, seed 0,
scale 1; `--talks N`: N TED-LIUM talks of 10 segments instead of the demo's 100) under WORK/demo unless it exists, re-voice them with espeak-ng into WORK/corpus, run `avemo pipeline --data-root WORK/corpus
--stages prepare,baselines,speech` with the profile plus `corpora: [iemocap, tedlium]`, and write every row (mean ± sample std over
the 5 LOSO folds) and the per-fold wins of the speech models against each baseline to OUT. The face stages do not run: the videos
are the demo generator's.
"""
import argparse, json, subprocess, sys, time
from pathlib import Path
import pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
from common import machine
import tts_corpus

DIMS = ('valence', 'arousal', 'dominance')
BASELINES = ('mean_baseline', 'duration_baseline', 'mfcc_baseline', 'egemaps_baseline', 'egemaps_speaker_norm_baseline', 'ceiling')
SPEECH = ('speech_random_init', 'speech_ncl', 'speech_ncl_cl')

def folds(run: Path, model: str) -> pd.DataFrame:
    f = pd.read_csv(run/'tables'/f'{model}_folds.csv'); return f[f.fold.astype(str).str.isdigit()].set_index('fold').astype(float)

def main(profile, work, out, talks=0):
    t0, work = time.time(), Path(work); work.mkdir(parents=True, exist_ok=True)
    demo = work/'demo'
    if not (demo/'IEMOCAP_full_release').exists():
        from avemo.synth import make_demo_corpus, write_tedlium
        make_demo_corpus(demo, seed=0, scale=1, corpora=('iemocap',) if talks else ('iemocap', 'tedlium'))
        if talks: write_tedlium(demo, seed=0, n_talks=talks, workers=2)    # more unlabelled speech than the demo's 100 talks
    if not (work/'corpus').exists(): tts_corpus.main(demo, work/'corpus')
    overlay = work/'profile.yaml'
    overlay.write_text(f'extends: {profile}\ncorpora: [iemocap, tedlium]\nablations: []\n')
    cmd = ['avemo', 'pipeline', '--profile', str(overlay), '--data-root', str(work/'corpus'), '--out', str(work/'run'),
           '--stages', 'prepare,baselines,speech', '--tracker', 'none']
    ran = not (work/'run/metrics.json').exists() or '--rerun' in sys.argv
    if ran: subprocess.run(cmd, check=True)
    run = work/'run'; rows, wins = {}, {}
    metrics = json.loads((run/'metrics.json').read_text())      # unrounded mean and sample std over folds, as the run's tables print them
    for m in BASELINES + SPEECH + tuple(f'{s}_probe' for s in SPEECH):
        rows[m] = {d: [round(metrics[f'{m}/ccc_{d}'], 3), round(metrics[f'{m}/ccc_{d}_std'], 3)] for d in DIMS}
    for s in SPEECH:
        x = folds(run, s)
        wins[s] = {b: {d: int((x[f'ccc_{d}'] > folds(run, b)[f'ccc_{d}']).sum()) for d in DIMS} for b in BASELINES[1:5] + ('speech_random_init',) if b != s}
    res = dict(command=' '.join(sys.argv), pipeline=' '.join(cmd), profile=profile, talks=talks or 100, pipeline_ran=ran, seconds=round(time.time() - t0),
               commit=subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip(),
               machine=machine(), corpus=json.loads((work/'corpus/tts_corpus.json').read_text()),
               rows_mean_std=rows, wins_per_fold_of_5=wins)
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1))
    for m, r in rows.items(): print(f'{m:32s}', '  '.join(f'{d[0]} {v[0]:.3f} ± {v[1]:.3f}' for d, v in r.items()))
    for s, w in wins.items(): print(s, 'folds won:', '; '.join(f'{b} ' + '/'.join(str(v) for v in x.values()) for b, x in w.items()))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--profile', default='demo'); ap.add_argument('--work', default='/tmp/tts_check')
    ap.add_argument('--out', default='bench/results/tts_check.json')
    ap.add_argument('--rerun', action='store_true', help='run the pipeline again on an existing WORK/run (it resumes finished stages)')
    ap.add_argument('--talks', type=int, default=0, help='TED-LIUM talks to write (default: the demo corpus\'s 100)')
    a = ap.parse_args(); main(a.profile, a.work, a.out, a.talks)
