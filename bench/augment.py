"""Speech-augmentation throughput: audio-seconds processed per CPU-second on one core.

Run: python bench/augment.py [--out bench/results/augment_cpu.json]
Compares avemo's fast pitch shift with torchaudio.functional.pitch_shift (the peer) in the same run.
"""
import argparse, json, platform, sys, time
from pathlib import Path
import torch, torchaudio, torchaudio.functional as AF
from avemo.augment import default_augmentations, RandomAugment, PitchShift, SR
sys.path.insert(0, str(Path(__file__).parent)); from common import machine

def rate(fn, x, g, min_seconds=1.0):
    "Audio-seconds per CPU-second (process time, one thread)."
    fn(x, g)                                                     # warm-up
    n, t0 = 0, time.process_time()
    while time.process_time() - t0 < min_seconds or n < 2: fn(x, g); n += 1
    cpu = time.process_time() - t0
    return round(n * x.numel() / SR / cpu, 1)

def main(out, batch=16, seconds=3.0):
    torch.set_num_threads(1)
    x, g = 0.1 * torch.randn(batch, int(seconds * SR)), torch.Generator().manual_seed(0)
    res = {type(a).__name__ + ('' if type(a).__name__ != 'PitchShift' else '(fast)'): rate(a, x, g) for a, _ in default_augmentations()}
    res['PitchShift(torchaudio.functional.pitch_shift, peer)'] = rate(PitchShift(3., fast=False), x, g, 0.5)
    res['RandomAugment chain (default probabilities, max 3)'] = rate(RandomAugment(), x, g)
    rec = dict(command=' '.join(['python'] + sys.argv), machine=machine(), threads=1, batch=batch, seconds_per_item=seconds,
               unit='audio-seconds per CPU-second per core (higher is faster)', results=res)
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(rec, indent=1))
    print(json.dumps(rec, indent=1))

if __name__ == '__main__':
    p = argparse.ArgumentParser(); p.add_argument('--out', default='bench/results/augment_cpu.json')
    main(p.parse_args().out)
