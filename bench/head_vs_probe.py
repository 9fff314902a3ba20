"""The speech fine-tuning head against the linear probe on the same frozen embeddings (issue 14: "a head that loses to the ridge on
its own embeddings is a bug"), on a finished run's cached `models/<model>/embeddings.safetensors`, LOSO 5-fold as in the speech stage.

Run: python bench/head_vs_probe.py reports/demo [--out bench/results/head_vs_probe_demo.json]
Heads, all through the library's fold trainer `avemo.crossval.fit_head_fold` (the speech stage's; SGD 0.05, 40 epochs, batch 32,
the demo profile's fine-tuning, fold-standardised embeddings) or its probe:
- `thesis`: the four-layer MLP (`avemo.speech.vad_head`) from random weights (`init='random'`, the thesis);
- `ridge`: the closed-form ridge, alpha chosen on the validation dialogs (`avemo.probes.ridge_fold`, the `_probe` rows);
- `ridge_residual`: that ridge, frozen, plus the thesis MLP with its last layer zeroed (`init='ridge'`, `crossval.RidgeResidual`).
The speech stage trains the same heads with the same seeds (`ft_init`), so its rows should equal these.
"""
import argparse, json, shutil, sys, tempfile, time
from pathlib import Path
import torch
from avemo.core import VAD, RunDir
from avemo.data import load_manifest
from avemo.speech import vad_head, DEMO_SPEECH
from avemo.crossval import cross_validate, fit_head_fold, cached_embeddings
from avemo.learner import TrainConfig
from avemo.probes import ridge_fold
sys.path.insert(0, str(Path(__file__).parent)); from common import machine

def evaluate(run:RunDir, model:str, head:str, tmp:Path, seed:int=0)->dict:
    utts = load_manifest(run.manifest('iemocap', 'utterances')); index = {u: i for i, u in enumerate(utts.utt_id)}
    emb = cached_embeddings(run.embeddings(model), utts.utt_id.tolist())
    cfg = TrainConfig(epochs=40, batch_size=32, lr=0.05, optimizer='sgd', seed=seed, progress=False)
    def run_fold(train, val, test, fold):
        torch.manual_seed(seed + fold)
        return fit_head_fold(lambda: vad_head(DEMO_SPEECH.dim), emb, index, train, val, test, cfg, tmp/f'{model}_{head}_{fold}',
                             (1, 1, 1), with_val=True, init='ridge' if head == 'ridge_residual' else 'random')
    r = cross_validate(utts, ridge_fold(emb, index) if head == 'ridge' else run_fold, f'{model}/{head}', None, seed=seed)
    return dict(model=model, head=head, **{k.split('/')[-1]: round(v, 4) for k, v in r.metrics().items()},
                per_fold={d: r.folds[f'ccc_{d}'].round(4).tolist() for d in VAD})

def main(run, out, models=('speech_random_init', 'speech_ncl', 'speech_ncl_cl'), heads=('thesis', 'ridge', 'ridge_residual')):
    run, tmp, t0 = RunDir(run), Path(tempfile.mkdtemp()), time.time()
    rows = [evaluate(run, m, h, tmp) for m in models for h in heads]; shutil.rmtree(tmp)
    res = dict(command=' '.join(sys.argv), run=str(run.path), seconds=round(time.time() - t0, 1), machine=machine(), rows=rows)
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1))
    for r in rows: print(f"{r['model']:20s} {r['head']:15s}", '  '.join(f"{d} {r[f'ccc_{d}']:.3f}" for d in VAD))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0]); p.add_argument('run')
    p.add_argument('--out', default='bench/results/head_vs_probe_demo.json'); a = p.parse_args(); main(a.run, a.out)
