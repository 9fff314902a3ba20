"""Re-voice a demo corpus with espeak-ng, a speech synthesiser this project did not write (issue 14: "checked beyond the demo").

Run: python bench/tts_corpus.py reports/demo/corpus /tmp/tts_corpus [--workers 2]
Needs the `espeak-ng` program (Debian: `apt-get install espeak-ng`). The source corpus is read only: the output is a new tree.

What changes and what does not:
- IEMOCAP: every utterance wav (`Session*/sentences/wav/<dialog>/<utt>.wav`) is replaced by espeak-ng speech of one of 20 emotionally
  neutral Harvard sentences (IEEE 1969), picked at random per utterance, so that neither the words nor their length carry the emotion
  (the demo transcripts name it). Labels (`EmoEvaluation`), transcripts, dialog audio and videos are copied unchanged.
- TED-LIUM: each segment of each talk is re-voiced the same way at a random emotional state and fitted into its STM slot.
- FaceSynthetics and RAVDESS are hard-linked unchanged.
- `demo_latents/iemocap_session*.csv` hold each utterance's espeak prosody parameters as `voice_*` columns (and the original `face_*`
  columns), so the baselines stage's ceiling is a ridge on the cues this corpus really carries.

The voices: ten espeak-ng speakers for the ten IEMOCAP actors (five female and five male variants over five English accents), other
variants for the TED-LIUM talks. Each speaker has its own pitch, rate and level; each utterance's emotional state (the demo
generator's latent state, from `demo_latents`) moves them in the directions the vocal-expression literature reports (Scherer 2003;
Juslin & Laukka 2003): arousal raises rate, pitch, pitch range and level; dominance raises level and lowers pitch; valence widens
the pitch range (a livelier contour) and raises pitch slightly. Every parameter also varies at random per utterance. Background noise at
15-35 dB SNR, white or coloured. These mappings are ours, so this is not a real corpus; it tests the models on a different voice,
vocal tract model and cue mix than `avemo.synth`, where the valence cues are formant shifts and jitter.
"""
import argparse, hashlib, io, json, os, shutil, subprocess, sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import numpy as np, pandas as pd, soundfile as sf
from scipy.signal import resample_poly, lfilter
sys.path.insert(0, str(Path(__file__).parent)); from common import link_or_copy

SR = 16000
HARVARD = ["The birch canoe slid on the smooth planks.", "Glue the sheet to the dark blue background.",
           "It is easy to tell the depth of a well.", "These days a chicken leg is a rare dish.", "Rice is often served in round bowls.",
           "The juice of lemons makes fine punch.", "The box was thrown beside the parked truck.", "Four hours of steady work faced us.",
           "A large size in stockings is hard to sell.", "The boy was there when the sun rose.", "A rod is used to catch pink salmon.",
           "The source of the huge river is the clear spring.", "Kick the ball straight and follow through.",
           "Help the woman get back to her feet.", "A pot of tea helps to pass the evening.", "Smoky fires lack flame and heat.",
           "The soft cushion broke the man's fall.", "The salt breeze came across from the sea.", "The girl at the booth sold fifty bonds.",
           "Kids are talking by the door."]
IEMOCAP_VOICES = {1: ('en-us+f1', 'en-us+m1'), 2: ('en-gb+f2', 'en-gb+m2'), 3: ('en-gb-scotland+f3', 'en-gb-scotland+m3'),
                  4: ('en-029+f4', 'en-029+m4'), 5: ('en-gb-x-rp+f5', 'en-gb-x-rp+m7')}
TALK_VOICES = [f'{lang}+{var}' for var in ('m5', 'm6', 'm8', 'f1', 'f2', 'Annie', 'Andy', 'klatt3', 'Linda', 'm2')
               for lang in ('en-us', 'en-gb', 'en-gb-x-gbclan', 'en-us-nyc')]

def rng_for(*keys) -> np.random.Generator:
    return np.random.default_rng(int.from_bytes(hashlib.sha256('/'.join(map(str, keys)).encode()).digest()[:8], 'little'))

def speaker_params(voice: str) -> dict:
    r = rng_for('speaker', voice)
    return dict(voice=voice, pitch0=float(r.normal(0, 8)), rate0=float(r.uniform(0.9, 1.1)), gain0=float(r.uniform(-4, 4)))

def prosody(v: float, a: float, d: float, spk: dict, r: np.random.Generator) -> dict:
    "espeak-ng prosody for an emotional state (the rules in the module docstring), with per-utterance variation."
    return dict(rate_log2=float(np.log2(spk['rate0']) + 0.35 * a + 0.05 * v + r.normal(0, 0.07)),
                pitch_pct=float(spk['pitch0'] + 20 * a - 8 * d + 5 * v + r.normal(0, 4)),
                range_log2=float(0.6 * v + 0.3 * a + r.normal(0, 0.15)),
                level_db=float(spk['gain0'] + 5 * a + 3 * d + r.normal(0, 1.5)))

def speak(text: str, voice: str, p: dict, r: np.random.Generator, snr=(15, 35)) -> np.ndarray:
    "espeak-ng → 16 kHz float32 with the level and background noise applied."
    ssml = (f'<speak><prosody rate="{100 * 2 ** p["rate_log2"]:.0f}%" pitch="{p["pitch_pct"]:+.0f}%" '
            f'range="{100 * 2 ** p["range_log2"]:.0f}%">{text}</prosody></speak>')
    w = subprocess.run(['espeak-ng', '-v', voice, '-m', '--stdout', ssml], capture_output=True, check=True).stdout
    x, sr = sf.read(io.BytesIO(w), dtype='float64')
    x = resample_poly(x, SR, sr) if sr != SR else x
    x = x / (np.sqrt((x ** 2).mean()) + 1e-9) * 0.05 * 10 ** (p['level_db'] / 20)
    noise = r.standard_normal(len(x))
    if r.random() < 0.5: noise = lfilter([1], [1, -0.97], noise)
    noise *= np.sqrt((x ** 2).mean() / (noise ** 2).mean() / 10 ** (r.uniform(*snr) / 10))
    return np.clip(x + noise, -1, 1).astype(np.float32)

def write_wav(path: Path, x, fmt='WAV'):
    "Replace `path` (a hard link into the source tree) by a new file: written beside it, then renamed over it."
    tmp = path.with_name(path.name + '.tmp'); sf.write(tmp, x, SR, subtype='PCM_16', format=fmt); os.replace(tmp, path)

def iemocap_session(out: str, sess: int) -> list:
    sd = Path(out)/'IEMOCAP_full_release'/f'Session{sess}'
    lat = pd.read_csv(Path(out)/'demo_latents'/f'iemocap_session{sess}.csv.src').set_index('utt_id')
    rows = []
    for wav in sorted((sd/'sentences/wav').rglob('*.wav')):
        utt = wav.stem; g = utt.split('_')[-1][0]; voice = IEMOCAP_VOICES[sess]['FM'.index(g)]
        st = lat.loc[utt, ['state_v', 'state_a', 'state_d']].to_numpy(float); r = rng_for('utt', utt); spk = speaker_params(voice)
        p = prosody(*st, spk, r)
        write_wav(wav, speak(HARVARD[r.integers(len(HARVARD))], voice, p, r))
        rel = dict(p,  # the ceiling's cues are speaker-relative, as in avemo.synth.latent_cues
                    rate_log2=p['rate_log2'] - np.log2(spk['rate0']), pitch_pct=p['pitch_pct'] - spk['pitch0'], level_db=p['level_db'] - spk['gain0'])
        rows.append(dict(utt_id=utt, **{f'voice_{k}': val for k, val in rel.items()},
                         **lat.loc[utt, [c for c in lat.columns if c.startswith(('state_', 'face_'))]].to_dict()))
    return rows

def tedlium_talk(out: str, talk: str, files: list, k: int) -> int:
    "Re-voice one talk (the same audio in every release that holds it)."
    stm = Path(files[0]).parent.parent/'stm'/f'{talk}.stm'
    segs = [l.split() for l in stm.read_text().splitlines() if l.strip() and 'ignore_time_segment_in_scoring' not in l]
    x0, _ = sf.read(files[0]); x = np.zeros(len(x0), np.float32)
    voice = TALK_VOICES[k % len(TALK_VOICES)]; spk = speaker_params(voice)
    for i, s in enumerate(segs):
        r = rng_for('talk', talk, i); st = np.clip(r.normal(0, 0.5, 3), -1, 1)
        y = speak(HARVARD[r.integers(len(HARVARD))], voice, prosody(*st, spk, r), r)
        a, b = int(float(s[3]) * SR), int(float(s[4]) * SR); y = y[:b - a]; x[a:a + len(y)] = y
    for f in files: write_wav(Path(f), x, fmt='NIST')
    return len(segs)

def main(src, out, workers=2):
    src, out = Path(src).resolve(), Path(out)
    if out.exists(): sys.exit(f'{out} exists: give a new folder')
    shutil.copytree(src, out, copy_function=link_or_copy)    # every file this script changes is replaced by rename, not written into
    for f in (out/'demo_latents').glob('iemocap_session*.csv'): os.replace(f, f.with_name(f.name + '.src'))
    talks = {}
    for sph in sorted(out.glob('TEDLIUM_release*/**/sph/*.sph')): talks.setdefault(sph.stem, []).append(str(sph))
    with ProcessPoolExecutor(workers) as ex:
        sessions = {s: ex.submit(iemocap_session, str(out), s) for s in range(1, 6)}
        n_segs = sum(ex.map(tedlium_talk, [str(out)] * len(talks), list(talks), list(talks.values()), range(len(talks))))
        for s, fut in sessions.items():
            pd.DataFrame(fut.result()).to_csv(out/'demo_latents'/f'iemocap_session{s}.csv', index=False)
    for f in (out/'demo_latents').glob('*.src'): f.unlink()
    (out/'tts_corpus.json').write_text(json.dumps(dict(source=str(src), synthesiser='espeak-ng', talks=len(talks), segments=n_segs,
                                                       command=' '.join(sys.argv)), indent=1))
    print(f'{out}: IEMOCAP re-voiced, {len(talks)} TED-LIUM talks ({n_segs} segments)')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0]); ap.add_argument('src'); ap.add_argument('out')
    ap.add_argument('--workers', type=int, default=2); a = ap.parse_args(); main(a.src, a.out, a.workers)
