"""Visual training-step throughput: MCL (two ViTs, three views, VCL + ICL) and the gated LSTM + BiLSTM fine-tuning step, demo and thesis sizes.

Run: python bench/visual_step.py [--out bench/results/visual_step_cpu.json] [--device cpu|cuda] [--bf16]
"""
import argparse, json, sys, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent)); from common import machine
from avemo.visual import DEMO_VISUAL, THESIS_VISUAL, FaceEncoder, visual_projection, MCL, MCLLoss, SpeakerGatedLSTM, MCLViews, to_image

def timed(step, steps, device):
    step()
    if device == 'cuda': torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for _ in range(steps): step()
    if device == 'cuda': torch.cuda.synchronize()
    out = dict(seconds_per_step=round((time.perf_counter() - t0) / steps, 4))
    if device == 'cuda': out['peak_memory_gib'] = round(torch.cuda.max_memory_allocated() / 2 ** 30, 2)
    return out

def mcl_rate(cfg, batch, device, bf16, steps):
    torch.manual_seed(0)
    m = MCL([FaceEncoder(cfg), FaceEncoder(cfg)], [visual_projection(cfg), visual_projection(cfg)], 4096, cfg.proj).to(device).train()
    opt, loss_fn = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9), MCLLoss()
    b = {k: torch.rand(batch, 3, cfg.img_size, cfg.img_size, device=device) for k in ('v1', 'v2', 'v2p')}
    def step():
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=bf16): loss = loss_fn(m(b))
        loss.backward(); opt.step(); opt.zero_grad()
    r = timed(step, steps, device); r.update(batch=batch, images_per_second=round(batch / r['seconds_per_step'], 1)); return r

def ft_rate(dim, batch, frames, device, steps, **kw):
    torch.manual_seed(0); m = SpeakerGatedLSTM(dim, **kw).to(device).train(); opt = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)
    L = torch.full((batch,), frames, device=device)
    b = dict(f=torch.randn(batch, frames, dim, device=device), m=torch.randn(batch, frames, dim, device=device),
             joint=torch.randn(batch, 2 * frames, dim, device=device), f_len=L, m_len=L, joint_len=2 * L,
             active_m=torch.zeros(batch, dtype=torch.long, device=device))
    def step(): m(b)['pred'].pow(2).mean().backward(); opt.step(); opt.zero_grad()
    r = timed(step, steps, device); r.update(batch=batch, frames_per_speaker=frames, model=dict(dim=dim, **kw), utterances_per_second=round(batch / r['seconds_per_step'], 1)); return r

def views_rate(size, n, steps):
    "The MCL data side: three augmented views (torchvision.transforms.v2) of n uint8 images, one at a time as the Dataset does."
    import numpy as np
    rng = np.random.default_rng(0); imgs = [to_image(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)) for _ in range(n)]; views = MCLViews()
    torch.manual_seed(0); r = timed(lambda: [views(im) for im in imgs], steps, 'cpu')
    r.update(images=n, image_size=size, images_per_second=round(n / r['seconds_per_step'], 1)); return r

def main(a):
    cpu = a.device == 'cpu'
    res = dict(mcl_demo=mcl_rate(DEMO_VISUAL, 16, a.device, a.bf16, 5), mcl_thesis=mcl_rate(THESIS_VISUAL, 4 if cpu else 16, a.device, a.bf16, 2 if cpu else 10),
               mcl_views_demo=views_rate(DEMO_VISUAL.img_size, 16, 5),
               finetune_demo=ft_rate(DEMO_VISUAL.dim, 16, 12, a.device, 5, hidden=8, bi_hidden=8, bi_layers=1, input_dropout=0.2),
               finetune_width64=ft_rate(DEMO_VISUAL.dim, 32, 12, a.device, 5, hidden=64, bi_hidden=64, bi_layers=2),
               finetune_thesis=ft_rate(THESIS_VISUAL.dim, 64, 12, a.device, 3 if cpu else 10))
    rec = dict(command=' '.join(['python'] + sys.argv), device=a.device, bf16=a.bf16, threads=torch.get_num_threads(), machine=machine(),
               what='one optimiser step each; MCL: 2 ViT sub-networks x 3 views, VCL + ICL (mcl_views_demo: making the three augmented views of one batch on the CPU); fine-tuning: gated LSTM + BiLSTM on embeddings (demo profile: width 8, 1 BiLSTM layer, batch 16; width64: the previous demo setting, width 64, 2 layers, batch 32; thesis: ViT-B embeddings, width 128, 4 layers, batch 64)',
               results=res)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(rec, indent=1)); print(json.dumps(rec, indent=1))

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--out', default='bench/results/visual_step_cpu.json'); p.add_argument('--device', default='cpu'); p.add_argument('--bf16', action='store_true')
    main(p.parse_args())
