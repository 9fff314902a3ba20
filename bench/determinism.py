"""Why the same commit gives other demo numbers on another machine (issue 19): which CPU settings change the bits of a training run.

Run: python bench/determinism.py [--steps 30] [--out bench/results/determinism_cpu.json]
Each configuration runs the same seeded workload in a fresh Python process with its own environment: SimSiam steps of the demo
speech encoder (`avemo.speech`, conv stack + Conformer, AdamW) and MCL-style steps of the demo face ViT (`avemo.visual.FaceEncoder`,
AdamW on a cosine loss), then hashes the trained weights. Configurations:
- `default`: one intra-op thread (the demo's `jobs: 2` on 2 cores), PyTorch's own choice of vector instructions;
- `default_again`: the same, once more (does a run reproduce itself?);
- `threads_2`: two intra-op threads (what `jobs: 2` gives a 4-core machine: cores // jobs);
- `isa_avx2`: ATen kernels, oneDNN and MKL held to AVX2 (`ATEN_CPU_CAPABILITY=avx2`, `ONEDNN_MAX_CPU_ISA=AVX2`, `MKL_CBWR=AVX2`):
  what a machine without AVX-512 runs by default;
- `isa_avx2_again`: the same, once more.
A configuration whose hash differs from `default` changes the numbers; the max abs weight difference says by how much.
"""
import argparse, hashlib, json, os, subprocess, sys, time
from pathlib import Path

WORKLOAD = r'''
import hashlib, json, sys, time, torch, torch.nn.functional as F
from avemo.speech import SpeechEncoder, DEMO_SPEECH, SimSiam, SimSiamLoss, projection_head, prediction_head
from avemo.visual import FaceEncoder, DEMO_VISUAL
steps = int(sys.argv[1]); torch.manual_seed(0); t0 = time.time()
g = torch.Generator().manual_seed(1)
enc = SpeechEncoder(DEMO_SPEECH); model = SimSiam(enc, projection_head(DEMO_SPEECH), prediction_head(DEMO_SPEECH)); loss = SimSiamLoss()
opt = torch.optim.AdamW(model.parameters(), 1e-3)
for _ in range(steps):
    wave = torch.randn(8, 16000, generator=g) * 0.1
    out = model(dict(wave=wave + 0.01 * torch.randn(wave.shape, generator=g), lengths=torch.full((8,), 16000)))
    opt.zero_grad(); loss(out).backward(); opt.step()
face = FaceEncoder(DEMO_VISUAL); fopt = torch.optim.AdamW(face.parameters(), 1e-3)
for _ in range(steps):
    x = torch.rand(8, 3, 64, 64, generator=g)
    a, b = face(x), face(x.flip(-1))
    fopt.zero_grad(); (1 - F.cosine_similarity(a, b.detach()).mean()).backward(); fopt.step()
w = torch.cat([p.detach().flatten() for p in list(model.parameters()) + list(face.parameters())])
torch.save(w, sys.argv[2])
print(json.dumps(dict(sha=hashlib.sha1(w.numpy().tobytes()).hexdigest()[:16], seconds=round(time.time() - t0, 2),
                      capability=torch.backends.cpu.get_cpu_capability(), threads=torch.get_num_threads())))
'''

CONFIGS = dict(default={}, default_again={}, threads_2=dict(OMP_NUM_THREADS='2'),
               isa_avx2=dict(ATEN_CPU_CAPABILITY='avx2', ONEDNN_MAX_CPU_ISA='AVX2', MKL_CBWR='AVX2'),
               isa_avx2_again=dict(ATEN_CPU_CAPABILITY='avx2', ONEDNN_MAX_CPU_ISA='AVX2', MKL_CBWR='AVX2'))

def main(steps:int, out:str):
    import torch
    sys.path.insert(0, str(Path(__file__).parent)); from common import machine
    tmp = Path(out).with_suffix('.tmp'); tmp.mkdir(parents=True, exist_ok=True); rows, weights = [], {}
    for name, env in CONFIGS.items():
        e = {**os.environ, 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': env.get('OMP_NUM_THREADS', '1'), **env}
        r = subprocess.run([sys.executable, '-c', WORKLOAD, str(steps), str(tmp/f'{name}.pt')], env=e, capture_output=True, text=True)
        if r.returncode: raise SystemExit(f'{name} failed: {r.stderr[-2000:]}')
        res = json.loads(r.stdout.strip().splitlines()[-1]); weights[name] = torch.load(tmp/f'{name}.pt', weights_only=True)
        rows.append(dict(config=name, env=env, **res)); print(name, res, flush=True)
    for r in rows:
        d = (weights[r['config']] - weights['default']).abs()
        r.update(same_as_default=r['sha'] == rows[0]['sha'], max_abs_diff_vs_default=float(d.max()), mean_abs_diff_vs_default=float(d.mean()))
    for f in tmp.iterdir(): f.unlink()
    tmp.rmdir()
    res = dict(command=' '.join(sys.argv), steps=steps, machine=machine(), rows=rows)
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1))
    for r in rows: print(f"{r['config']:16s} {r['sha']}  same as default: {r['same_as_default']!s:5s}  max |Δw| {r['max_abs_diff_vs_default']:.2e}  {r['seconds']} s  ({r['capability']}, {r['threads']} threads)")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0]); p.add_argument('--steps', type=int, default=30)
    p.add_argument('--out', default='bench/results/determinism_cpu.json'); a = p.parse_args(); main(a.steps, a.out)
