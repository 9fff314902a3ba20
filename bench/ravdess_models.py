"""RAVDESS models (avemo.ravdess.RAVDESS_MODELS): parameters and training-step time at the demo and the real sizes, one process.

Run: python bench/ravdess_models.py [--out bench/results/ravdess_models_cpu.json] [--device cpu|cuda] [--sizes demo,real] [--threads N]
A step is one AdamW update on a random batch (cross-entropy on 8 classes): `batch` clips of `seconds` of 16-kHz audio, `frames` face
crops of `image` px and the transcript. Demo: the demo profile's input (6 crops of 32 px, 3 s, batch 16). Real: the thesis profile's
(16 crops of 224 px, 3 s) at batch 2 on the CPU (batch 8 on a GPU). The first step is not timed.
"""
import argparse, json, sys, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent)); from common import machine
from avemo.ravdess import build_model, RAVDESS_MODELS

SIZES = dict(demo=dict(batch=16, frames=6, image=32, seconds=3.0), real=dict(batch=2, frames=16, image=224, seconds=3.0))

def step_time(name, size, device, steps, batch, frames, image, seconds):
    torch.manual_seed(0); m = build_model(name, size, 8, frames, image).to(device).train(); opt = torch.optim.AdamW(m.parameters(), 1e-4)
    n = int(seconds * 16000)
    b = dict(wave=torch.randn(batch, n, device=device) * 0.1, lengths=torch.full((batch,), n, device=device), frames=torch.rand(batch, frames, 3, image, image, device=device),
             text=['Kids are talking by the door'] * batch, y=torch.randint(0, 8, (batch,), device=device))
    def step(): torch.nn.functional.cross_entropy(m(b)['pred'], b['y']).backward(); opt.step(); opt.zero_grad()
    step()
    if device == 'cuda': torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps): step()
    if device == 'cuda': torch.cuda.synchronize()
    s = (time.perf_counter() - t0) / steps
    return dict(model=name, size=size, modality=RAVDESS_MODELS[name]['modality'], params_m=round(sum(p.numel() for p in m.parameters()) / 1e6, 3),
                batch=batch, frames=frames, image=image, seconds=seconds, seconds_per_step=round(s, 4), clips_per_second=round(batch / s, 2))

def main(out, device='cpu', sizes=('demo', 'real'), threads=0):
    if threads: torch.set_num_threads(threads)
    rows, t0 = [], time.time()
    for size in sizes:
        cfg = dict(SIZES[size], batch=8) if size == 'real' and device == 'cuda' else SIZES[size]
        for name in RAVDESS_MODELS:
            rows.append(step_time(name, size, device, 3 if size == 'demo' else 1, **cfg))
            r = rows[-1]; print(f"{size:5s} {name:20s} {r['params_m']:8.2f} M  {r['seconds_per_step']:8.3f} s/step", flush=True)
    res = dict(command=' '.join(sys.argv), device=device, torch_threads=torch.get_num_threads(), seconds=round(time.time() - t0, 1), machine=machine(), rows=rows)
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0]); p.add_argument('--out', default='bench/results/ravdess_models_cpu.json')
    p.add_argument('--device', default='cpu'); p.add_argument('--sizes', default='demo,real'); p.add_argument('--threads', type=int, default=0)
    a = p.parse_args(); main(a.out, a.device, a.sizes.split(','), a.threads)
