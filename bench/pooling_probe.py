"""Does a richer utterance pooling, or speaker normalisation, let the frozen speech encoders beat eGeMAPS? (issue 14: `speech_ncl_cl`
loses to eGeMAPS + ridge on arousal and dominance.) A ridge probe, LOSO 5-fold as in the speech stage, on four poolings of a finished
run's frozen encoders, each raw and speaker-normalised (`avemo.stages.speaker_normalized`: z-scores within each speaker, no labels).

Run: python bench/pooling_probe.py reports/demo [--out bench/results/pooling_probe_demo.json]
Poolings of `avemo.speech.SpeechEncoder` (weights from the run's `models/<model>/encoder.safetensors`, demo widths):
- `mean`: masked mean of the Conformer frames (the thesis's, what the speech stage embeds; its probe is the run's `<model>_probe` row);
- `mean_std`: mean and standard deviation of the frames (statistics pooling, as in x-vectors);
- `mean_std_max`: mean, standard deviation and maximum;
- `conv_mean_std`: mean and standard deviation of the convolution stack's frames, before the Conformer.
Probe: `avemo.probes.ridge_fold` (one alpha per dimension, chosen on the validation dialogs), the stage's probe. eGeMAPS + ridge on the
run's cached eGeMAPS functionals (the baselines stage's `egemaps_baseline` and `egemaps_speaker_norm_baseline`, the same folds) is
printed first; every row counts its per-fold wins against eGeMAPS with the same normalisation.
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np, torch
from safetensors.torch import load_file
from avemo.core import VAD, RunDir
from avemo.data import load_manifest
from avemo.datasets import AudioClips, pad_collate
from avemo.speech import SpeechEncoder, DEMO_SPEECH
from avemo.crossval import cross_validate, cached_embeddings
from avemo.probes import ridge_fold
from avemo.stages import speaker_normalized
sys.path.insert(0, str(Path(__file__).parent)); from common import machine

def _stats(y, n, with_max=False):
    "Mean, standard deviation (and maximum) over the valid frames of (B, T, D) `y`."
    valid = (torch.arange(y.shape[1])[None] < n[:, None])[..., None]
    m = (y * valid).sum(1) / n[:, None]; sd = (((y - m[:, None]) ** 2 * valid).sum(1) / n[:, None]).sqrt()
    return torch.cat([m, sd] + ([y.masked_fill(~valid, -1e9).max(1).values] if with_max else []), 1)

@torch.no_grad()
def poolings(enc:SpeechEncoder, clips)->dict:
    enc.eval(); out = {k: [] for k in ('mean', 'mean_std', 'mean_std_max', 'conv_mean_std')}
    for b in torch.utils.data.DataLoader(clips, batch_size=32, collate_fn=pad_collate):
        y, n = enc.frames(b['wave'], b['lengths'])
        out['mean'].append(enc(b['wave'], b['lengths'])); out['mean_std'].append(_stats(y, n)); out['mean_std_max'].append(_stats(y, n, True))
        c, cn = enc.conv(b['wave'], b['lengths']); out['conv_mean_std'].append(_stats(c, cn.clamp_min(1)))
    return {k: torch.cat(v).numpy() for k, v in out.items()}

def main(run, out, models=('speech_random_init', 'speech_ncl', 'speech_ncl_cl')):
    run, t0 = RunDir(run), time.time()
    utts = load_manifest(run.manifest('iemocap', 'utterances')); index = {u: i for i, u in enumerate(utts.utt_id)}
    clips = AudioClips(utts, run.processed('iemocap'), max_seconds=8.0)           # as the speech stage embeds them
    norms = dict(none=lambda x: np.asarray(x, np.float64), speaker=lambda x: speaker_normalized(x, utts.speaker))
    def probe(x, name): return cross_validate(utts, ridge_fold(x, index), name, seed=0)
    def row(model, pooling, norm, r, ref=None):
        return dict(model=model, pooling=pooling, norm=norm, **{f'ccc_{d}': round(float(r.folds[f'ccc_{d}'].mean()), 4) for d in VAD},
                    per_fold={d: r.folds[f'ccc_{d}'].round(4).tolist() for d in VAD},
                    **({} if ref is None else dict(wins_vs_egemaps={d: int((r.folds[f'ccc_{d}'].to_numpy() > ref.folds[f'ccc_{d}'].to_numpy()).sum()) for d in VAD})))
    gemaps = cached_embeddings(run.embeddings('egemaps_baseline', 'features'), utts.utt_id.tolist())
    refs = {n: probe(f(gemaps), f'egemaps/{n}') for n, f in norms.items()}
    rows = [row('egemaps_baseline', 'functionals', n, r) for n, r in refs.items()]
    for model in models:
        enc = SpeechEncoder(DEMO_SPEECH); enc.load_state_dict(load_file(str(run.encoder(model))))
        for pooling, x in poolings(enc, clips).items():
            rows += [row(model, pooling, n, probe(f(x), f'{model}/{pooling}/{n}'), refs[n]) for n, f in norms.items()]
    res = dict(command=' '.join(sys.argv), run=str(run.path), seconds=round(time.time() - t0, 1), machine=machine(), rows=rows)
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1))
    for r in rows: print(f"{r['model']:20s} {r['pooling']:14s} {r['norm']:8s}", '  '.join(f"{d} {r[f'ccc_{d}']:.3f}" for d in VAD),
                         ' wins vs eGeMAPS ' + '/'.join(str(v) for v in r['wins_vs_egemaps'].values()) if 'wins_vs_egemaps' in r else '')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0]); p.add_argument('run')
    p.add_argument('--out', default='bench/results/pooling_probe_demo.json'); a = p.parse_args(); main(a.run, a.out)
