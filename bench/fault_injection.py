"""Fault injection (issue 19): kill training and preprocessing with SIGKILL at random points, resume, and compare with an
uninterrupted run.

- train: `avemo.learner.fit` (the one training engine every stage uses) on a small regression task with per-epoch checkpoints;
  a trial kills the process at a random moment after its imports (inside an epoch, inside validation, or inside a checkpoint
  write), checks that whatever checkpoint is on disk loads, resumes with `resume=True`, and compares the per-epoch history,
  the selected epoch and every final weight with the uninterrupted run: they must be identical, bit for bit.
- preprocess: `avemo.preprocess.preprocess('iemocap', …, workers=2)` on a demo tree; a trial kills the process (its workers die
  with it) at a random moment, runs it again, and compares the processed manifest and every written array with the
  uninterrupted run's, and checks that no temporary file of an interrupted write is left (the first run of this benchmark
  found one: a `.<name>.<random>.npy` left by a kill inside `atomic_write`; `run_jobs` now removes them when it resumes).

Run: python bench/fault_injection.py [--trials 12] [--seed 0]   (writes bench/results/fault_injection.json)
Each trial's kill time, what was on disk after the kill, and the verdict are in the JSON."""
import argparse, hashlib, json, os, random, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent)); from common import machine

TRAIN = r'''
import json, sys, hashlib, torch, torch.nn as nn
from pathlib import Path
from avemo.learner import fit, TrainConfig
class Data(torch.utils.data.Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed); self.x = torch.randn(n, 32, generator=g)
        self.y = torch.tanh(self.x[:, :3] * self.x[:, 3:6]) + 0.1 * torch.randn(n, 3, generator=g)
    def __len__(self): return len(self.x)
    def __getitem__(self, i): return dict(x=self.x[i], y=self.y[i])
class Net(nn.Module):
    def __init__(self):
        super().__init__(); self.f = nn.Sequential(nn.Linear(32, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 3))
    def forward(self, b): return dict(pred=self.f(b['x']))
torch.manual_seed(0); torch.set_num_threads(1); m = Net()
print('ready', flush=True)
r = fit(m, lambda o, b: ((o['pred'] - b['y']) ** 2).mean(), Data(4000, 0), TrainConfig(epochs=10, batch_size=32, lr=0.05, progress=False,
        monitor='val_neg_mse', monitor_mode='max'), sys.argv[1], val_ds=Data(500, 1), collect_fn=lambda o, b: dict(p=o['pred'], y=b['y']),
        metrics_fn=lambda g: dict(neg_mse=-((g['p'] - g['y']) ** 2).mean()), resume=True)
w = {k: hashlib.sha1(v.detach().cpu().numpy().tobytes()).hexdigest() for k, v in m.state_dict().items()}
hist = [{k: v for k, v in h.items() if k not in ('seconds', 'time', 'epoch_seconds')} for h in r.history]
Path(sys.argv[1], 'result.json').write_text(json.dumps(dict(history=hist, best_epoch=r.best_epoch, weights=w)))
'''

PREP = r'''
import sys
from avemo.preprocess import preprocess
print('ready', flush=True)
preprocess('iemocap', sys.argv[2], sys.argv[1], workers=2, face_size=32, max_frames=4)
'''

def tree_digest(out:Path)->dict:
    "Hashes of the processed manifests (without machine-specific absolute paths) and of every array written."
    import pandas as pd
    d = {}
    for p in sorted(out.rglob('*')):
        if p.name.startswith('.'): d.setdefault('leftover temporary files', []).append(p.name)
        elif p.suffix == '.npy': d[str(p.relative_to(out))] = hashlib.sha1(p.read_bytes()).hexdigest()
        elif p.name in ('utterances.csv', 'frames.csv', 'skipped.csv'):
            df = pd.read_csv(p); d[p.name] = hashlib.sha1(df.to_csv(index=False).encode()).hexdigest()
    return d

def run_child(code:str, args:list, kill_after:float|None, env:dict)->dict:
    "Start the child; after it prints `ready`, wait `kill_after` s and SIGKILL it (None: let it finish). What happened."
    p = subprocess.Popen([sys.executable, '-c', code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert p.stdout.readline().strip() == 'ready', p.stderr.read()[-2000:]
    t0 = time.time()
    if kill_after is None:
        _, err = p.communicate(); assert p.returncode == 0, err[-3000:]
        return dict(seconds=time.time() - t0, killed=False)
    try: p.wait(kill_after); return dict(seconds=time.time() - t0, killed=False)      # finished before the kill time
    except subprocess.TimeoutExpired: pass
    import psutil
    kids = psutil.Process(p.pid).children(recursive=True)
    p.send_signal(signal.SIGKILL); p.wait()
    gone, alive = psutil.wait_procs(kids, timeout=15)
    return dict(seconds=time.time() - t0, killed=True, orphans_left=len(alive))

def checkpoint_loads(run:Path)->str:
    "What the kill left: no checkpoint, or a `latest` checkpoint that loads (anything else is a corrupt checkpoint)."
    if not (run/'checkpoints/latest').exists(): return 'no checkpoint yet'
    code = TRAIN.split("torch.manual_seed(0)")[0] + ("torch.manual_seed(0); m = Net()\nfrom avemo.learner import load_checkpoint\n"
            "print(load_checkpoint(sys.argv[1] + '/checkpoints', m)['epoch'])")
    r = subprocess.run([sys.executable, '-c', code, str(run)], capture_output=True, text=True)
    return f'checkpoint of epoch {r.stdout.strip()} loads' if r.returncode == 0 else f'CORRUPT: {r.stderr.strip().splitlines()[-1]}'

def trials(kind:str, n:int, rng:random.Random, base:Path, env:dict, tree:Path|None)->dict:
    "`n` trials that kill the process mid-run (a kill drawn after the run's end does not count; at most 2n attempts)."
    code, extra = (TRAIN, []) if kind == 'train' else (PREP, [str(tree)])
    ref = base/f'{kind}_ref'; t = run_child(code, [str(ref), *extra], None, env)['seconds']
    want = json.loads((ref/'result.json').read_text()) if kind == 'train' else tree_digest(ref)
    t = min(t, run_child(code, [str(base/f'{kind}_ref2'), *extra], None, env)['seconds'])      # the warm run's length
    rows, i = [], 0
    while sum(r['killed'] for r in rows) < n and i < 2 * n:
        d = base/f'{kind}_{i}'; at = rng.uniform(0.02, 0.95) * t
        k = run_child(code, [str(d), *extra], at, env)
        state = checkpoint_loads(d) if kind == 'train' else f"{len(list((d/'done').glob('*.json'))) if (d/'done').exists() else 0} dialogs done"
        run_child(code, [str(d), *extra], None, env)                      # resume
        got = json.loads((d/'result.json').read_text()) if kind == 'train' else tree_digest(d)
        diff = sorted(x for x in set(got) | set(want) if got.get(x) != want.get(x)) if kind != 'train' else []
        rows.append(dict(trial=i, kill_after_s=round(at, 2), killed=k['killed'], orphans_left=k.get('orphans_left', 0), after_kill=state,
                         identical=got == want, **(dict(differs=diff[:8]) if diff else {})))
        print(kind, rows[-1], flush=True); i += 1
        shutil.rmtree(d, ignore_errors=True)
    killed = [r for r in rows if r['killed']]
    return dict(reference_seconds=round(t, 1), trials=rows, killed=len(killed), identical_after_kill=sum(r['identical'] for r in killed),
                identical_all=sum(r['identical'] for r in rows), corrupt=sum('CORRUPT' in r['after_kill'] for r in rows),
                orphans=sum(r['orphans_left'] for r in rows))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--trials', type=int, default=12); ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args(); rng = random.Random(a.seed)
    env = dict(os.environ, OMP_NUM_THREADS='1', HF_HUB_OFFLINE='1', PYTHONWARNINGS='ignore')
    base = Path(tempfile.mkdtemp(prefix='avemo-faults-'))
    from avemo.synth import write_iemocap
    tree = write_iemocap(base/'corpus', seed=0, n_dialogs=1, n_utts=4, fps=5, frame_hw=(90, 240))
    res = dict(train=trials('train', a.trials, rng, base, env, None), preprocess=trials('preprocess', a.trials, rng, base, env, tree))
    out = dict(command=f'python bench/fault_injection.py --trials {a.trials} --seed {a.seed}', machine=machine(), **res)
    Path(__file__).parent.joinpath('results/fault_injection.json').write_text(json.dumps(out, indent=1))
    for k in ('train', 'preprocess'):
        r = res[k]; print(f"{k}: {len(r['trials'])} trials, {r['killed']} killed mid-run, {r['identical_after_kill']} of them identical after resume, "
                          f"{r['corrupt']} corrupt checkpoints, {r['orphans']} orphans (reference run {r['reference_seconds']} s)")
    shutil.rmtree(base, ignore_errors=True)
