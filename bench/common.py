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
