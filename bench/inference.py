"""Inference speed of avemo's models (issue 17), one process, CPU:

1. speech VAD on the same 10 s clip, interleaved: avemo's speech model at demo and thesis sizes (PyTorch and onnxruntime) against
   the audEERING w2v2-L-robust-12 architecture (wav2vec2-large, 12 transformer layers, mean pooling, 3-output head) built from
   config with random weights (the time does not depend on the weights): median, real-time factor, speed-up;
2. streaming: the per-update latency at a 40 ms hop with audio and face (push one video frame, searched for the face at the
   streamer's face_rate, 5 per second: detect, crop, embed; 40 ms of audio; one prediction over the 2 s window), one thread:
   p50, p95, p99, with the defaults and with a smaller detection copy and a known gender;
3. soak: a looped clip streamed as fast as possible for `--soak-seconds` of stream time: resident memory at start and end;
4. batch predict over `--files` short wav files with 1 and 2 workers: files per second and peak resident memory.

Usage: python bench/inference.py [--run reports/demo] [--reps 7] [--soak-seconds 3600] [--files 1000] [--flops-only]
Models: the run's trained `speech`/`visual`/`fusion` when --run has them, else untrained stand-ins of the same sizes.
Writes bench/results/inference_cpu.json."""
import argparse, gc, json, os, resource, sys, tempfile, time
from pathlib import Path
import numpy as np, torch
sys.path.insert(0, str(Path(__file__).parent))
from common import machine

def rss_mb()->float:
    "Current resident set size in MB (from /proc)."
    return int(Path('/proc/self/statm').read_text().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20

def w2v2_robust12():
    "audEERING's w2v2-L-robust-12 architecture from config (wav2vec2-large-robust pruned to 12 layers, regression head), random weights."
    from transformers import Wav2Vec2Config, Wav2Vec2Model
    cfg = Wav2Vec2Config(hidden_size=1024, num_hidden_layers=12, num_attention_heads=16, intermediate_size=4096, feat_extract_norm='layer',
                         do_stable_layer_norm=True, conv_bias=True, feat_proj_dropout=0., hidden_dropout=0., attention_dropout=0.)
    class W(torch.nn.Module):
        def __init__(s): super().__init__(); s.w = Wav2Vec2Model(cfg); s.head = torch.nn.Sequential(torch.nn.Linear(1024, 1024), torch.nn.Tanh(), torch.nn.Linear(1024, 3))
        def forward(s, x): return s.head(s.w(x).last_hidden_state.mean(1))
    return W().eval(), cfg

def speech_bench(reps:int, seconds:float=10.)->dict:
    from dataclasses import asdict
    from avemo.speech import speech_vad, DEMO_SPEECH, THESIS_SPEECH
    from avemo.export import _wrappers, _export, _ort
    torch.manual_seed(0); x = torch.randn(1, int(16000 * seconds)) * 0.1; L = torch.tensor([x.shape[1]])
    models = {'avemo demo (torch)': speech_vad(**asdict(DEMO_SPEECH)).eval(), 'avemo thesis (torch)': speech_vad(**asdict(THESIS_SPEECH)).eval()}
    w2v, _ = w2v2_robust12(); SpeechExport = _wrappers()[0]; tmp = Path(tempfile.mkdtemp())
    calls = {k: (lambda m=m: m.predict_waves(x, L)) for k, m in models.items()}
    for k, m in list(models.items()):
        f = _export(SpeechExport(m), (x, L), tmp/f'{len(calls)}.onnx', ['wave', 'lengths'], ['vad'], {}); s = _ort(f)
        calls[k.replace('torch', 'onnxruntime')] = (lambda s=s: s.run(None, {'wave': x.numpy(), 'lengths': L.numpy()}))
    calls['w2v2-L-robust-12 (torch, random weights)'] = lambda: w2v(x)
    params = {**{k: sum(p.numel() for p in m.parameters()) for k, m in models.items()}, 'w2v2-L-robust-12 (torch, random weights)': sum(p.numel() for p in w2v.parameters())}
    times = {k: [] for k in calls}
    with torch.no_grad():
        for k, f in calls.items(): f()                                       # warm-up
        for _ in range(reps):                                                # interleaved: the machine's drift hits every model alike
            for k, f in calls.items(): t = time.perf_counter(); f(); times[k].append(time.perf_counter() - t)
    ref = np.median(times['w2v2-L-robust-12 (torch, random weights)'])
    return {k: dict(median_s=float(np.median(v)), real_time_factor=float(np.median(v) / seconds), speedup_vs_w2v2=float(ref / np.median(v)),
                    params=params.get(k.replace('onnxruntime', 'torch')), runs=len(v)) for k, v in times.items()}

def flop_counts(seconds:float=10.)->dict:
    "Multiply-adds per clip (torch.utils.flop_counter), the reason for the speed-ups above."
    from dataclasses import asdict
    from torch.utils.flop_counter import FlopCounterMode
    from avemo.speech import speech_vad, DEMO_SPEECH, THESIS_SPEECH
    x = torch.randn(1, int(16000 * seconds)) * 0.1; L = torch.tensor([x.shape[1]]); out = {}
    with torch.no_grad():
        for k, cfg in (('avemo demo', DEMO_SPEECH), ('avemo thesis', THESIS_SPEECH)):
            m = speech_vad(**asdict(cfg)).eval()
            with FlopCounterMode(display=False) as fc: m.encoder.conv(x, L)
            conv = fc.get_total_flops()
            with FlopCounterMode(display=False) as fc: m.predict_waves(x, L)
            out[k] = dict(gmac=round(fc.get_total_flops() / 2e9, 1), conv_stack_gmac=round(conv / 2e9, 1))
        w, _ = w2v2_robust12()
        with FlopCounterMode(display=False) as fc: w(x)
        out['w2v2-L-robust-12'] = dict(gmac=round(fc.get_total_flops() / 2e9, 1))
    return out

def predictor(run):
    from avemo.predict import AVPredictor, stand_in_models
    from avemo.inference import inference_models
    if run and 'fusion' in inference_models(run): return AVPredictor(run, 'fusion'), f'trained models of {run}'
    return AVPredictor(stand_in_models(tempfile.mkdtemp()), 'fusion'), 'untrained demo-size stand-ins (predict.stand_in_models)'

def stream_bench(pred, clip, n:int=1500, **kw)->dict:
    "Per-update latency of a 40 ms hop: one frame (face search at the streamer's face_rate), 40 ms of audio, one prediction over the 2 s window."
    import cv2
    from avemo.stream import Streamer
    from avemo.preprocess import load_audio
    audio = load_audio(clip); cap = cv2.VideoCapture(str(clip)); frames = []
    while True:
        ok, f = cap.read()
        if not ok: break
        frames.append(f)
    st = Streamer(pred, 'queue', 2.0, 0.04, **kw); lat, pred_ms, found, n_out = [], [], [], 0
    for k in range(n):
        a = audio[(k * 640) % (len(audio) - 640):][:640]; fr = frames[k % len(frames)]
        t0 = time.perf_counter(); out = st.push_frame(fr, st.t_audio + 0.04); t1 = time.perf_counter()
        out += st.push_audio(a); t2 = time.perf_counter(); n_out += len(out)
        if k >= 50 and out:                      # one update: a frame (detect, crop, embed) and 40 ms of audio, one prediction
            lat.append(t2 - t0); pred_ms.append(out[-1]['latency_ms']); found.append(out[-1]['face_found'])
    ms = lambda v, q: float(np.percentile(v, q) * 1e3)
    return dict(updates=len(lat), predictions=n_out, p50_ms=ms(lat, 50), p95_ms=ms(lat, 95), p99_ms=ms(lat, 99), max_ms=ms(lat, 100),
                prediction_only_p50_ms=float(np.percentile(pred_ms, 50)), prediction_only_p99_ms=float(np.percentile(pred_ms, 99)),
                face_found_share=float(np.mean(found)), full_frame_searches=getattr(st, 'full_searches', None))

def soak(pred, clip, seconds:float)->dict:
    from avemo.stream import Streamer, stream_file
    st = Streamer(pred, 'queue', 2.0, 0.5); gc.collect(); r0, b0, n, t0 = rss_mb(), st.nbytes(), 0, time.perf_counter()
    marks = []
    for r in stream_file(st, clip, loop=10**6, max_seconds=seconds):
        n += 1
        if n in (240, 1200) or n % 2400 == 0: gc.collect(); marks.append((round(st.now), round(rss_mb(), 1)))
    gc.collect(); r1 = rss_mb()
    start = next((m for t, m in marks if t >= 120), r0)              # after warm-up (2 min of stream): caches and allocator pools filled
    return dict(stream_seconds=round(st.now, 1), predictions=n, wall_s=round(time.perf_counter() - t0, 1), rss_start_mb=round(r0, 1),
                rss_after_2min_mb=start, rss_end_mb=round(r1, 1), growth_after_warmup_pct=round(100 * (r1 - start) / start, 2),
                buffer_bytes_start=b0, buffer_bytes_end=st.nbytes(), rss_marks=marks)

def _tree_rss_mb(pid:int)->float:
    "Resident memory of a process and all its descendants (from /proc), MB."
    kids, total = {}, 0
    for d in Path('/proc').iterdir():
        if d.name.isdigit():
            try: st = (d/'stat').read_text().rsplit(')', 1)[1].split(); kids.setdefault(int(st[1]), []).append(int(d.name))
            except OSError: pass
    todo = [pid]
    while todo:
        q = todo.pop(); todo += kids.get(q, [])
        try: total += int((Path('/proc')/str(q)/'statm').read_text().split()[1]) * os.sysconf('SC_PAGE_SIZE')
        except OSError: pass
    return total / 2**20

def batch(run_dir, n_files:int)->dict:
    "`avemo predict RUN <n_files wavs> --model speech --workers w` as a command: files per second and peak memory of its process tree."
    import subprocess, threading
    from avemo.synth import write_clip
    d = Path(tempfile.mkdtemp()); base = [write_clip(d/f'b{k}.wav', 1.0 + 0.5 * k, seed=k) for k in range(4)]
    files = []
    for k in range(n_files):
        p = d/f'f{k:04d}.wav'; os.link(base[k % 4], p); files.append(str(p))
    out, exe = {}, str(Path(sys.executable).parent/'avemo')
    for w in (1, 2):
        t = time.perf_counter(); pr = subprocess.Popen([exe, 'predict', str(run_dir), *files, '--model', 'speech', '--workers', str(w), '--out', str(d/f'w{w}.csv')],
                                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = 0.
        while pr.poll() is None: peak = max(peak, _tree_rss_mb(pr.pid)); time.sleep(0.1)
        dt = time.perf_counter() - t; n = sum(1 for _ in open(d/f'w{w}.csv')) - 1
        out[f'workers={w}'] = dict(files=n, seconds=round(dt, 2), files_per_s=round(n / dt, 1), peak_rss_tree_mb=round(peak, 1),
                                   note='the whole command: start-up (imports, model loading per worker) included')
    return out

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--run', default=''); ap.add_argument('--reps', type=int, default=7)
    ap.add_argument('--soak-seconds', type=float, default=3600); ap.add_argument('--files', type=int, default=1000)
    ap.add_argument('--flops-only', action='store_true', help='only add the multiply-add counts to an existing --out file')
    ap.add_argument('--soak-only', action='store_true', help='only the soak (to bench/results/soak_cpu.json)')
    ap.add_argument('--stream-only', action='store_true', help='only the streaming latency, with and without face tracking (to bench/results/stream_cpu.json)')
    ap.add_argument('--out', default=str(Path(__file__).parent/'results/inference_cpu.json')); a = ap.parse_args()
    if a.flops_only:
        res = json.loads(Path(a.out).read_text()); res['speech_10s_gmac'] = flop_counts(); res['flops_command'] = ' '.join(['python'] + sys.argv)
        Path(a.out).write_text(json.dumps(res, indent=1)); print(json.dumps(res['speech_10s_gmac'])); sys.exit()
    from avemo.synth import write_clip
    torch.set_num_threads(1); pred, models = predictor(a.run)
    clip = write_clip(Path(tempfile.mkdtemp())/'clip.mp4', 6, faces=1, seed=1, fps=25)
    if a.soak_only:
        out = a.out if a.out != ap.get_default('out') else str(Path(__file__).parent/'results/soak_cpu.json')
        res = dict(command=' '.join(['python'] + sys.argv), machine=machine(), threads=1, models=models, soak=soak(pred, clip, a.soak_seconds))
        print(json.dumps(res['soak'], indent=1)); Path(out).write_text(json.dumps(res, indent=1)); print('written', out); sys.exit()
    if a.stream_only:                          # side by side in one process: full-frame search at every searched frame vs tracking
        out = a.out if a.out != ap.get_default('out') else str(Path(__file__).parent/'results/stream_cpu.json')
        res = dict(command=' '.join(['python'] + sys.argv), machine=machine(), threads=1, models=models, clip='synth.write_clip(6 s, 1 face, seed 1, 25 fps), 240x180')
        res['stream_40ms_hop'] = {'full-frame search (scale step 1.05) at every searched frame, speech every update: the earlier behaviour (with the cached face reading and batched head)': stream_bench(pred, clip, track=False, detect_scale=1.05, speech_reuse=0.),
                                  'tracking only (full search at 1.05, speech every update)': stream_bench(pred, clip, detect_scale=1.05, speech_reuse=0.),
                                  'defaults (tracking, full search at 1.1 every 4 s or when lost, speech reused up to 0.1 s in face updates)': stream_bench(pred, clip)}
        print(json.dumps(res['stream_40ms_hop'], indent=1)); Path(out).write_text(json.dumps(res, indent=1)); print('written', out); sys.exit()
    res = dict(command=' '.join(['python'] + sys.argv), machine=machine(), threads=1, models=models)
    res['speech_10s_gmac'] = flop_counts()
    t = time.time(); res['speech_10s_clip'] = speech_bench(a.reps); print(json.dumps(res['speech_10s_clip'], indent=1), time.time() - t, flush=True)
    t = time.time(); res['stream_40ms_hop'] = dict(defaults=stream_bench(pred, clip))
    from avemo.predict import AVPredictor
    fast = AVPredictor(pred.dir.parents[2], 'fusion', gender='F') if a.run else pred
    res['stream_40ms_hop']['fast (detect_width 160, gender F)'] = stream_bench(fast, clip, detect_width=160)
    print(json.dumps(res['stream_40ms_hop'], indent=1), time.time() - t, flush=True)
    t = time.time(); res['batch_predict'] = batch(a.run or pred.dir.parents[2], a.files); print(json.dumps(res['batch_predict'], indent=1), time.time() - t, flush=True)
    t = time.time(); res['soak'] = soak(pred, clip, a.soak_seconds); print(json.dumps(res['soak'], indent=1), time.time() - t, flush=True)
    Path(a.out).write_text(json.dumps(res, indent=1)); print('written', a.out)
