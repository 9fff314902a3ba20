"Shared helpers for the benchmark scripts."
import os, platform, shutil, tempfile
from pathlib import Path
import torch, torchaudio

def machine()->dict:
    "CPU model, core count and library versions, recorded with every benchmark."
    cpuinfo = Path('/proc/cpuinfo')
    cpu = next((l.split(':', 1)[1].strip() for l in cpuinfo.read_text().splitlines() if l.startswith('model name')), '') if cpuinfo.exists() else ''
    return dict(cpu=cpu or platform.processor() or platform.machine(), logical_cores=os.cpu_count(), python=platform.python_version(),
                torch=torch.__version__, torchaudio=torchaudio.__version__, platform=platform.platform(),
                gpu=torch.cuda.get_device_name() if torch.cuda.is_available() else None,
                math_env={k: os.environ[k] for k in MATH_ENV if k in os.environ})   # what pins the math libraries' code paths (avemo.pipeline.stage_env)

MATH_ENV = ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'ATEN_CPU_CAPABILITY', 'ONEDNN_MAX_CPU_ISA', 'MKL_CBWR', 'OPENBLAS_CORETYPE', 'AVEMO_FUSED_ADAMW',
            'AVEMO_DETERMINISTIC')

def link_or_copy(src, dst):
    "`shutil.copytree`'s copy function for scratch trees: a hard link (a copy across file systems). Files written later must be replaced, not written into."
    try: os.link(src, dst)
    except OSError: shutil.copy2(src, dst)

def scratch_copy(run, prefix:str='avemo_bench_', skip=('corpus', 'ablations', 'tune', 'models'))->Path:
    "A scratch copy of a run for one variant: `processed` hard-linked (the stages only read it), the small rest copied, `skip` left out."
    d = Path(tempfile.mkdtemp(prefix=prefix))
    for f in Path(run).iterdir():
        if f.name in skip: continue
        (shutil.copytree(f, d/f.name, copy_function=link_or_copy) if f.name == 'processed' else
         shutil.copytree(f, d/f.name) if f.is_dir() else shutil.copy2(f, d/f.name))
    return d

VAD = ('valence', 'arousal', 'dominance')

def fold_scores(path)->dict:
    "A `<model>_folds.csv` table's per-fold CCC, {dimension: [fold 1, …]} (the `mean ± std` row left out)."
    import pandas as pd
    t = pd.read_csv(path); t = t[t.fold.astype(str).str.isdigit()]
    return {d: t[f'ccc_{d}'].astype(float).round(4).tolist() for d in VAD}

def parse_config(text:str)->dict:
    "'cl_lr=0.01,temperature=0.5' -> {'cl_lr': 0.01, 'temperature': 0.5} (values read as JSON where they parse, else strings)."
    import json
    out = {}
    for kv in filter(None, (s.strip() for s in text.split(','))):
        k, eq, v = kv.partition('=')
        if not eq: raise SystemExit(f'configuration {text!r}: {kv!r} is not key=value')
        try: out[k.strip()] = json.loads(v)
        except json.JSONDecodeError: out[k.strip()] = v.strip()
    return out

def settings_grid(one, run, configs:list, seeds:list, workers:int, models:tuple, wins:str)->tuple[list, list]:
    """Run `one(run, config, seed)` for every configuration and seed (a fresh process each), then per configuration the mean of each
    model's CCC over the seeds and, per seed, the fold wins each row records under `wins`. Returns (rows, summary)."""
    from concurrent.futures import ProcessPoolExecutor
    jobs = [(c, s) for c in configs for s in seeds]
    with ProcessPoolExecutor(workers, max_tasks_per_child=1) as ex:
        rows = list(ex.map(one, [run] * len(jobs), [c for c, _ in jobs], [s for _, s in jobs]))
    summary = []
    for c in configs:
        rs = [r for r in rows if r['config'] == c]
        summary.append(dict(config=c, seeds=[r['seed'] for r in rs],
                            mean={m: {d: round(sum(r['ccc'][m][d] for r in rs) / len(rs), 4) for d in VAD} for m in models},
                            **{wins: {k: {d: [r[wins][k][d] for r in rs] for d in VAD} for k in rs[0][wins]}}))
    return rows, summary
