"""The speech fine-tuning head against the linear probe on the same frozen embeddings (issue 14: "a head that loses to the ridge on
its own embeddings is a bug"), on a finished run's cached `models/<model>/embeddings.safetensors`, LOSO 5-fold as in the speech stage.

Run: python bench/head_vs_probe.py reports/demo [--out bench/results/head_vs_probe_demo.json]
Heads, each trained with the CCC loss through the engine (SGD 0.05, 40 epochs, batch 32, the demo profile's fine-tuning) on
embeddings z-scored with the training fold's statistics:
- `thesis`: the four-layer MLP (`avemo.speech.vad_head`), as the speech stage trains it;
- `ridge`: the closed-form ridge, alpha chosen on the validation dialogs (the `_probe` rows);
- `ridge_residual`: that ridge, frozen, plus the thesis MLP with its last layer zeroed, so training starts at the ridge's predictions.
This is an experiment for the next step of issue 14, not a stage: no stage trains `ridge_residual` yet. The `thesis` rows come
close to the speech stage's but are not bit-identical (the z-scores here use numpy's population std, the stage torch's sample std).
"""
import argparse, json, shutil, sys, tempfile, time
from pathlib import Path
import numpy as np, torch, torch.nn as nn
from avemo.data import load_manifest
from avemo.losses import VAD
from avemo.speech import vad_head, DEMO_SPEECH
from avemo.crossval import cross_validate, fit_dataset_fold, cached_embeddings, EmbeddingVAD, HeadOnEmbeddings
from avemo.learner import TrainConfig
from avemo.probes import ridge_path, ridge_predict, weighted_ccc, ALPHAS
sys.path.insert(0, str(Path(__file__).parent)); from common import machine

class RidgeResidual(nn.Module):
    "A frozen linear map (the ridge) plus an MLP whose last layer starts at zero."
    def __init__(self, w:np.ndarray, b:np.ndarray, mlp:nn.Module):
        super().__init__(); self.lin, self.mlp = nn.Linear(*w.shape), mlp
        with torch.no_grad():
            self.lin.weight.copy_(torch.tensor(w.T, dtype=torch.float32)); self.lin.bias.copy_(torch.tensor(b, dtype=torch.float32))
            last = [m for m in mlp.modules() if isinstance(m, nn.Linear)][-1]; last.weight.zero_(); last.bias.zero_()
        self.lin.requires_grad_(False)
    def forward(self, x): return self.lin(x) + self.mlp(x)

def evaluate(run:Path, model:str, head:str, tmp:Path)->dict:
    utts = load_manifest(run/'processed/iemocap/utterances.csv'); index = {u: i for i, u in enumerate(utts.utt_id)}
    emb = cached_embeddings(run/'models'/model/'embeddings.safetensors', utts.utt_id.tolist()).numpy()
    rows = lambda d: emb[[index[u] for u in d.utt_id]]; tg = lambda d: d[list(VAD)].to_numpy(np.float64)
    cfg = TrainConfig(epochs=40, batch_size=32, lr=0.05, optimizer='sgd', seed=0, progress=False)
    def run_fold(train, val, test, fold):
        torch.manual_seed(fold); mu, sd = rows(train).mean(0), rows(train).std(0).clip(1e-6); z = lambda d: (rows(d) - mu) / sd
        fits = ridge_path(z(train), tg(train), ALPHAS); best = max(fits, key=lambda m: weighted_ccc(ridge_predict(m, z(val)), tg(val)))
        if head == 'ridge': return ridge_predict(best, z(test)), ridge_predict(best, z(val))
        m_, s_, w, b = best; w = w / s_[:, None]; b = b - m_ @ w                # the ridge's own standardisation folded into (w, b)
        make = (lambda: HeadOnEmbeddings(vad_head(DEMO_SPEECH.dim))) if head == 'thesis' else \
               (lambda: HeadOnEmbeddings(RidgeResidual(w, b, vad_head(DEMO_SPEECH.dim))))
        ds = lambda d: EmbeddingVAD(torch.tensor(z(d), dtype=torch.float32), torch.tensor(tg(d), dtype=torch.float32))
        return fit_dataset_fold(make, ds(train), ds(val), ds(test), cfg, tmp/f'{model}_{head}_{fold}', None, (1, 1, 1), None, with_val=True)
    r = cross_validate(utts, run_fold, f'{model}/{head}', None, seed=0)
    return dict(model=model, head=head, **{k.split('/')[-1]: round(v, 4) for k, v in r.metrics().items()},
                per_fold={d: r.folds[f'ccc_{d}'].round(4).tolist() for d in VAD})

def main(run, out, models=('speech_random_init', 'speech_ncl', 'speech_ncl_cl'), heads=('thesis', 'ridge', 'ridge_residual')):
    run, tmp, t0 = Path(run), Path(tempfile.mkdtemp()), time.time()
    rows = [evaluate(run, m, h, tmp) for m in models for h in heads]; shutil.rmtree(tmp)
    res = dict(command=' '.join(sys.argv), run=str(run), seconds=round(time.time() - t0, 1), machine=machine(), rows=rows)
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1))
    for r in rows: print(f"{r['model']:20s} {r['head']:15s}", '  '.join(f"{d} {r[f'ccc_{d}']:.3f}" for d in VAD))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0]); p.add_argument('run')
    p.add_argument('--out', default='bench/results/head_vs_probe_demo.json'); a = p.parse_args(); main(a.run, a.out)
