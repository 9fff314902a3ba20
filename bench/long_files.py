"""Peak memory of `avemo predict` on long recordings (issue 19): a 10-minute and a 60-minute 16 kHz wav (a 20 s synthetic
speech clip tiled, `avemo.synth.write_clip`), predicted with demo-size stand-in speech models (`predict.stand_in_models`).

Side by side in one run: the peak resident memory of the `avemo predict` process (chunked decoding, `preprocess.audio_chunks`),
and of a process that only decodes the whole file at once as `avemo predict` did before (`preprocess.load_audio`, then the 20 ms
levels), the part of the old path whose memory grew with the file.

Run: python bench/long_files.py   (writes bench/results/long_files.json)"""
import json, subprocess, sys, tempfile, time, os
from pathlib import Path
import numpy as np, soundfile as sf
sys.path.insert(0, str(Path(__file__).parent)); from common import machine

def peak_rss(cmd:list, env:dict)->tuple[float, float, int]: # peak MiB (process and children), seconds, exit status
    import psutil
    t0, p = time.time(), subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    proc, peak = psutil.Process(p.pid), 0
    while p.poll() is None:
        try: peak = max(peak, sum(q.memory_info().rss for q in [proc, *proc.children(recursive=True)]))
        except psutil.NoSuchProcess: pass
        time.sleep(0.05)
    return peak / 2 ** 20, time.time() - t0, p.returncode

WHOLE = ("import sys; from avemo.preprocess import load_audio; from avemo.predict import frame_energy_db\n"
         "x = load_audio(sys.argv[1]); db = frame_energy_db(x); print(len(x), len(db))")

if __name__ == '__main__':
    from avemo.synth import write_clip
    from avemo.predict import stand_in_models
    d = Path(tempfile.mkdtemp(prefix='avemo-long-')); run = stand_in_models(d/'run')
    clip, sr = sf.read(write_clip(d/'clip.wav', 20., seed=2), dtype='int16')
    env = dict(os.environ, OMP_NUM_THREADS='1', HF_HUB_OFFLINE='1', PYTHONWARNINGS='ignore'); avemo = str(Path(sys.executable).parent/'avemo')
    rows = []
    for minutes in (10, 60):
        f = d/f'{minutes}min.wav'
        with sf.SoundFile(f, 'w', sr, 1, 'PCM_16') as out:
            for _ in range(minutes * 3): out.write(clip)
        pm, ps, rc = peak_rss([avemo, 'predict', str(run), str(f), '--model', 'speech', '--out', str(d/f'out{minutes}.csv')], env)
        assert rc == 0
        wm, ws, rc2 = peak_rss([sys.executable, '-c', WHOLE, str(f)], env); assert rc2 == 0
        rows.append(dict(minutes=minutes, file_mib=round(f.stat().st_size / 2 ** 20, 1), predict_peak_mib=round(pm), predict_seconds=round(ps, 1),
                         whole_file_decode_peak_mib=round(wm), whole_file_decode_seconds=round(ws, 1)))
        print(rows[-1], flush=True); f.unlink()
    out = dict(command='python bench/long_files.py', machine=machine(), rows=rows,
               note='predict: the whole `avemo predict` run (imports, model, two chunked passes, windows table); whole-file decode: '
                    'load_audio + frame_energy_db only, what the pre-chunking predict held at once before predicting')
    Path(__file__).parent.joinpath('results/long_files.json').write_text(json.dumps(out, indent=1))
