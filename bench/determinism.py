"""Why the same commit gives other demo numbers on another machine (issue 19): which CPU settings change the bits of a training run.

Run: python bench/determinism.py [--steps 30] [--ops] [--compare OTHER_MACHINE.json] [--out bench/results/determinism_cpu.json]
Each configuration runs the same seeded workload in a fresh Python process with its own environment: SimSiam steps of the demo
speech encoder (`avemo.speech`, conv stack + Conformer, AdamW) and MCL-style steps of the demo face ViT (`avemo.visual.FaceEncoder`,
AdamW on a cosine loss), then hashes the trained weights. Configurations:
- `default`: one intra-op thread (the demo's `jobs: 2` on 2 cores), PyTorch's own choice of vector instructions;
- `default_again`: the same, once more (does a run reproduce itself?);
- `threads_2`: two intra-op threads (what `jobs: 2` gives a 4-core machine: cores // jobs);
- `isa_avx2`: ATen kernels, oneDNN and MKL held to AVX2 (`ATEN_CPU_CAPABILITY=avx2`, `ONEDNN_MAX_CPU_ISA=AVX2`, `MKL_CBWR=AVX2`):
  what a machine without AVX-512 runs by default;
- `isa_avx2_again`: the same, once more;
- `isa_avx2_no_onednn`: as `isa_avx2`, with PyTorch's oneDNN (mkldnn) backend off (convolutions through ATen's own kernels);
- `isa_avx2_strict`: as `isa_avx2` with MKL's strict conditional numerical reproducibility (`MKL_CBWR=AVX2,STRICT`) and NumPy's
  OpenBLAS held to its Haswell kernels (`OPENBLAS_CORETYPE=Haswell`);
- `mkl_compatible`: `portable` without the fused AdamW (what MKL's vendor-neutral path alone gives);
- `portable`: the pipeline's `cpu_isa: portable` (`avemo.pipeline.CPU_ISAS`): as `isa_avx2`, with MKL on its code path common to
  every x86-64 vendor (`MKL_CBWR=COMPATIBLE`), OpenBLAS on Haswell, and AdamW's fused kernel (`AVEMO_FUSED_ADAMW=1`).
A configuration whose hash differs from `default` changes the numbers; the max abs weight difference says by how much.

`--ops` also fingerprints single operations on fixed inputs in each configuration (the output's hash): matrix products (MKL),
1-D and 2-D convolutions (oneDNN, or ATen without it), attention, normalisations, activations, reductions, an AdamW step, the
FFT, an elementwise square root, AdamW's fused step, and NumPy's BLAS and LAPACK (OpenBLAS). Run on two machines, the two JSON files say which operation gives other bits.

`--emulate CPU` runs each configuration under QEMU's user-mode emulator (Debian package `qemu-user`: `qemu-x86_64 -cpu CPU`, e.g.
EPYC-Rome or Haswell), which reports that CPU's vendor, model, caches and instruction sets to the libraries while computing every
instruction in software (IEEE-exact, no AVX-512): the libraries take the code paths they would take on that CPU. This separates
what the CPU's identity changes (library dispatch, blocking from cache sizes) from what its silicon computes (the approximate
reciprocals `rcpps`/`rsqrtps`, which differ between vendors and which QEMU computes exactly). `--configs a,b` runs some configurations.
"""
import argparse, hashlib, json, os, subprocess, sys, time
from pathlib import Path
from avemo.pipeline import CPU_ISAS

WORKLOAD = r'''
import hashlib, json, sys, time, torch, torch.nn.functional as F
from avemo.speech import SpeechEncoder, DEMO_SPEECH, SimSiam, SimSiamLoss, projection_head, prediction_head
from avemo.visual import FaceEncoder, DEMO_VISUAL
import os
if os.environ.get('AVEMO_NO_ONEDNN'): torch.backends.mkldnn.enabled = False
steps = int(sys.argv[1]); torch.manual_seed(0); t0 = time.time()
g = torch.Generator().manual_seed(1)
enc = SpeechEncoder(DEMO_SPEECH); model = SimSiam(enc, projection_head(DEMO_SPEECH), prediction_head(DEMO_SPEECH)); loss = SimSiamLoss()
fused = dict(fused=True) if os.environ.get('AVEMO_FUSED_ADAMW') == '1' else {}   # as avemo.learner.make_optimizer
opt = torch.optim.AdamW(model.parameters(), 1e-3, **fused)
for _ in range(steps):
    wave = torch.randn(8, 16000, generator=g) * 0.1
    out = model(dict(wave=wave + 0.01 * torch.randn(wave.shape, generator=g), lengths=torch.full((8,), 16000)))
    opt.zero_grad(); loss(out).backward(); opt.step()
face = FaceEncoder(DEMO_VISUAL); fopt = torch.optim.AdamW(face.parameters(), 1e-3, **fused)
for _ in range(steps):
    x = torch.rand(8, 3, 64, 64, generator=g)
    a, b = face(x), face(x.flip(-1))
    fopt.zero_grad(); (1 - F.cosine_similarity(a, b.detach()).mean()).backward(); fopt.step()
w = torch.cat([p.detach().flatten() for p in list(model.parameters()) + list(face.parameters())])
torch.save(w, sys.argv[2]); h = lambda t: hashlib.sha1((t.detach().contiguous().numpy() if torch.is_tensor(t) else t).tobytes()).hexdigest()[:16]
parts = dict(speech=h(torch.cat([p.detach().flatten() for p in model.parameters()])), face=h(torch.cat([p.detach().flatten() for p in face.parameters()])))
ops = {}
if len(sys.argv) > 3:                                 # single operations on fixed inputs
    import numpy as np
    g = torch.Generator().manual_seed(2); r = lambda *s: torch.randn(*s, generator=g)
    a, b, x1, w1, x2, w2 = r(256, 256), r(256, 256), r(4, 64, 1000), r(64, 64, 3), r(4, 16, 64, 64), r(32, 16, 3, 3)
    q, k, v = r(2, 4, 100, 16), r(2, 4, 100, 16), r(2, 4, 100, 16)
    ops['mm'] = h(a @ b); ops['linear'] = h(F.linear(a, b, b[0])); ops['bmm'] = h(torch.bmm(q[0], k[0].transpose(1, 2)))
    ops['conv1d'] = h(F.conv1d(x1, w1, padding=1)); ops['conv2d'] = h(F.conv2d(x2, w2, padding=1))
    ops['conv1d_grad'] = h(torch.autograd.grad(F.conv1d(x1.requires_grad_(), w1, padding=1).square().sum(), x1)[0])
    ops['sdpa'] = h(F.scaled_dot_product_attention(q, k, v)); ops['softmax'] = h(torch.softmax(a, -1))
    ops['layer_norm'] = h(F.layer_norm(a, (256,))); ops['batch_norm'] = h(F.batch_norm(x1, None, None, training=True))
    ops['silu_gelu_exp_log'] = h(torch.cat([F.silu(a), F.gelu(a), a.exp(), a.abs().log(), a.tanh()]))
    ops['sum_mean'] = h(torch.stack([x1.sum(), x1.mean(), x1.sum(-1).sum(), x1.var()]))
    p = torch.nn.Parameter(a.clone()); o = torch.optim.AdamW([p], 1e-3, **fused); p.grad = b.clone(); o.step(); o.step(); ops['adamw'] = h(p)
    ops['fft'] = h(torch.view_as_real(torch.fft.rfft(x1[0])))
    ops['sqrt'] = h((b * b).sqrt())                           # MKL vector math (the square root of AdamW's multi-tensor step)
    p = torch.nn.Parameter(a.clone()); o = torch.optim.AdamW([p], 1e-3, fused=True); p.grad = b.clone(); o.step(); o.step(); ops['adamw_fused'] = h(p)
    an, bn = a.double().numpy(), b.double().numpy(); ops['numpy_dot'] = h(an @ bn); ops['numpy_solve'] = h(np.linalg.solve(an @ an.T + np.eye(256), bn))
print(json.dumps(dict(sha=h(w), seconds=round(time.time() - t0, 2), parts=parts, ops=ops,
                      capability=torch.backends.cpu.get_cpu_capability(), threads=torch.get_num_threads(), onednn=torch.backends.mkldnn.enabled)))
'''

CONFIGS = dict(default={}, default_again={}, threads_2=dict(OMP_NUM_THREADS='2'),
               isa_avx2=dict(ATEN_CPU_CAPABILITY='avx2', ONEDNN_MAX_CPU_ISA='AVX2', MKL_CBWR='AVX2'),
               isa_avx2_again=dict(ATEN_CPU_CAPABILITY='avx2', ONEDNN_MAX_CPU_ISA='AVX2', MKL_CBWR='AVX2'),
               isa_avx2_no_onednn=dict(ATEN_CPU_CAPABILITY='avx2', ONEDNN_MAX_CPU_ISA='AVX2', MKL_CBWR='AVX2', AVEMO_NO_ONEDNN='1'),
               isa_avx2_strict=dict(ATEN_CPU_CAPABILITY='avx2', ONEDNN_MAX_CPU_ISA='AVX2', MKL_CBWR='AVX2,STRICT', OPENBLAS_CORETYPE='Haswell'),
               mkl_compatible={k: v for k, v in CPU_ISAS['portable'].items() if k != 'AVEMO_FUSED_ADAMW'},
               portable=dict(CPU_ISAS['portable']))

def compare(rows:list, other:dict)->dict:
    "Config by config: the same weights, per part and per operation, as another machine's JSON (written by this script)."
    theirs = {r['config']: r for r in other.get('rows', [])}; out = {}
    for r in rows:
        t = theirs.get(r['config'])
        if t is None: continue
        out[r['config']] = dict(weights_equal=r['sha'] == t['sha'], parts_equal={k: v == t['parts'].get(k) for k, v in r.get('parts', {}).items()} if t.get('parts') else None,
                                ops_differ=sorted(k for k, v in r.get('ops', {}).items() if k in t.get('ops', {}) and v != t['ops'][k]) if t.get('ops') else None)
    return dict(other_machine=other.get('machine'), other_command=other.get('command'), configs=out)

def main(steps:int, out:str, ops:bool=False, other:str='', emulate:str='', configs:str=''):
    import torch
    sys.path.insert(0, str(Path(__file__).parent)); from common import machine
    tmp = Path(out).with_suffix('.tmp'); tmp.mkdir(parents=True, exist_ok=True); rows, weights = [], {}
    pick = [c for c in configs.split(',') if c] or list(CONFIGS)
    if unknown := set(pick) - set(CONFIGS): raise SystemExit(f'unknown configurations {sorted(unknown)}; known: {", ".join(CONFIGS)}')
    if 'default' not in pick and not emulate: pick = ['default'] + pick   # the reference of every row (under emulation: the first row)
    prefix = ['qemu-x86_64', '-cpu', emulate] if emulate else []
    for name, env in ((c, CONFIGS[c]) for c in pick):
        e = {**os.environ, 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': env.get('OMP_NUM_THREADS', '1'), **env}
        r = subprocess.run(prefix + [sys.executable, '-c', WORKLOAD, str(steps), str(tmp/f'{name}.pt')] + (['ops'] if ops else []), env=e, capture_output=True, text=True)
        if r.returncode: raise SystemExit(f'{name} failed: {r.stderr[-2000:]}')
        res = json.loads(r.stdout.strip().splitlines()[-1]); weights[name] = torch.load(tmp/f'{name}.pt', weights_only=True)
        rows.append(dict(config=name, env=env, **res)); print(name, res, flush=True)
    for r in rows:
        d = (weights[r['config']] - weights[rows[0]['config']]).abs()
        r.update(same_as_default=r['sha'] == rows[0]['sha'], max_abs_diff_vs_default=float(d.max()), mean_abs_diff_vs_default=float(d.mean()))
    for f in tmp.iterdir(): f.unlink()
    tmp.rmdir()
    res = dict(command=' '.join(sys.argv), steps=steps, machine=machine(), rows=rows)
    if emulate: res['emulated_cpu'] = dict(qemu_cpu=emulate, note='every row ran under qemu-x86_64 -cpu ' + emulate + ' on the machine above')
    if other: res['compared_with'] = compare(rows, json.loads(Path(other).read_text()))
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1))
    for r in rows: print(f"{r['config']:18s} {r['sha']}  same as default: {r['same_as_default']!s:5s}  max |Δw| {r['max_abs_diff_vs_default']:.2e}  {r['seconds']} s  ({r['capability']}, {r['threads']} threads)"
                         + (f"  ops differing from default: {[k for k, v in r['ops'].items() if v != rows[0]['ops'].get(k)]}" if r.get('ops') else ''))
    for c, v in res.get('compared_with', {}).get('configs', {}).items(): print(f'vs {other}: {c:18s}', v)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0]); p.add_argument('--steps', type=int, default=30)
    p.add_argument('--ops', action='store_true', help='also fingerprint single operations (compare two machines op by op)')
    p.add_argument('--compare', default='', help="another machine's JSON from this script: which configurations, parts and operations give the same bits")
    p.add_argument('--emulate', default='', help="run every configuration under qemu-x86_64 -cpu EMULATE (e.g. EPYC-Rome, Haswell)")
    p.add_argument('--configs', default='', help='comma-separated configurations to run (default: all; default is always run)')
    p.add_argument('--out', default='bench/results/determinism_cpu.json'); a = p.parse_args(); main(a.steps, a.out, a.ops, a.compare, a.emulate, a.configs)
