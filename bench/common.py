"Shared helpers for the benchmark scripts."
import os, platform, shutil
from pathlib import Path
import torch, torchaudio

def machine()->dict:
    "CPU model, core count and library versions, recorded with every benchmark."
    cpuinfo = Path('/proc/cpuinfo')
    cpu = next((l.split(':', 1)[1].strip() for l in cpuinfo.read_text().splitlines() if l.startswith('model name')), '') if cpuinfo.exists() else ''
    return dict(cpu=cpu or platform.processor() or platform.machine(), logical_cores=os.cpu_count(), python=platform.python_version(),
                torch=torch.__version__, torchaudio=torchaudio.__version__, platform=platform.platform(),
                gpu=torch.cuda.get_device_name() if torch.cuda.is_available() else None)

def link_or_copy(src, dst):
    "`shutil.copytree`'s copy function for scratch trees: a hard link (a copy across file systems). Files written later must be replaced, not written into."
    try: os.link(src, dst)
    except OSError: shutil.copy2(src, dst)
