"""Speech-encoder training-step throughput (SimSiam: two views, forward + backward + SGD step), demo and thesis sizes.

Run: python bench/speech_step.py [--out bench/results/speech_step_cpu.json] [--device cpu|cuda] [--bf16]
On a GPU it also records peak memory; augmentation is excluded (measured by bench/augment.py).
"""
import argparse, json, platform, sys, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent)); from common import machine
from avemo.speech import DEMO_SPEECH, THESIS_SPEECH, SpeechEncoder, SimSiam, SimSiamLoss, projection_head, prediction_head

def step_rate(cfg, batch, seconds, device, bf16, steps):
    torch.manual_seed(0)
    m = SimSiam(SpeechEncoder(cfg), projection_head(cfg), prediction_head(cfg), None).to(device).train()
    opt, loss_fn = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9), SimSiamLoss()
    b = dict(wave=0.1 * torch.randn(batch, int(seconds * 16000), device=device), lengths=torch.full((batch,), int(seconds * 16000), device=device))
    def step():
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=bf16):
            loss = loss_fn(m(b))
        loss.backward(); opt.step(); opt.zero_grad()
    step()                                                        # warm-up
    if device == 'cuda': torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for _ in range(steps): step()
    if device == 'cuda': torch.cuda.synchronize()
    dt = (time.perf_counter() - t0) / steps
    out = dict(batch=batch, seconds_per_clip=seconds, params_m=round(sum(p.numel() for p in m.parameters()) / 1e6, 2),
               seconds_per_step=round(dt, 4), clips_per_second=round(batch / dt, 2), audio_seconds_per_second=round(batch * seconds / dt, 1))
    if device == 'cuda': out['peak_memory_gib'] = round(torch.cuda.max_memory_allocated() / 2 ** 30, 2)
    return out

def main(a):
    res = dict(demo=step_rate(DEMO_SPEECH, 16, 3.0, a.device, a.bf16, 5),
               thesis=step_rate(THESIS_SPEECH, a.thesis_batch, 3.0, a.device, a.bf16, 2 if a.device == 'cpu' else 10))
    rec = dict(command=' '.join(['python'] + sys.argv), device=a.device, bf16=a.bf16, threads=torch.get_num_threads(),
               machine=machine(),
               what='SimSiam training step (2 views, forward+backward+SGD), no augmentation', results=res)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(rec, indent=1)); print(json.dumps(rec, indent=1))

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--out', default='bench/results/speech_step_cpu.json'); p.add_argument('--device', default='cpu')
    p.add_argument('--bf16', action='store_true'); p.add_argument('--thesis_batch', type=int, default=2)
    main(p.parse_args())
