"""What does int8 dynamic quantisation of the exported speech model cost in CCC, on the demo's LOSO test folds? (issue 17)

Run: python bench/int8_ccc.py reports/demo [--out bench/results/int8_ccc_demo.json]

Per LOSO fold, as the speech stage fine-tunes `speech_ncl_cl`: the run's frozen NCL + CL encoder
(`models/speech_ncl_cl/encoder.safetensors`) and that fold's head, re-trained here with the stage's own function
(`crossval.fit_head_fold`, the run's `ft_*` parameters, on the run's cached embeddings; its test CCC is checked against the
run's `metrics.json`). The encoder + head is saved as a named inference model (`inference.save_for_inference`), exported with
`avemo.export.export_onnx(..., quantize=True)` (a graph buffer of `max_seconds`, so every test utterance fits one buffer and
the ONNX graph sees exactly what PyTorch sees), and the fold's test utterances are predicted three ways:
PyTorch (float32), onnxruntime float32, onnxruntime int8 (`onnxruntime.quantization.quantize_dynamic`, QInt8 weights).
Reported per fold and as the LOSO mean: CCC per dimension for each, the int8 - float32 change, the largest prediction
difference, and the graph sizes.
"""
import argparse, inspect, json, sys, tempfile, time
from dataclasses import asdict
from pathlib import Path
import numpy as np, torch
from safetensors.torch import load_file
from avemo.core import VAD, RunDir, as_list
from avemo.data import load_manifest
from avemo.datasets import AudioClips
from avemo.speech import SpeechEncoder, SpeechVAD, DEMO_SPEECH, THESIS_SPEECH, vad_head
from avemo.crossval import cross_validate, cached_embeddings, fit_head_fold
from avemo.learner import TrainConfig
from avemo.inference import save_for_inference
from avemo.export import export_onnx, OnnxPredictor
from avemo.probes import ccc_columns
sys.path.insert(0, str(Path(__file__).parent)); from common import machine

def main(run, out, max_seconds=8.0):
    run, t0 = RunDir(run), time.time(); torch.set_num_threads(1)
    from avemo.stages import speech_stage                             # the stage's defaults, then the run's profile (what the stage ran with)
    p = {k: v.default for k, v in inspect.signature(speech_stage).parameters.items() if v.default is not inspect.Parameter.empty}
    p.update(json.loads((run.path/'config.json').read_text()))
    scfg = DEMO_SPEECH if p.get('speech_size', 'demo') == 'demo' else THESIS_SPEECH
    utts = load_manifest(run.manifest('iemocap', 'utterances')); index = {u: i for i, u in enumerate(utts.utt_id)}
    clips = AudioClips(utts, run.processed('iemocap'), max_seconds=max_seconds)    # as the speech stage embeds them
    enc = SpeechEncoder(scfg); enc.load_state_dict(load_file(str(run.encoder('speech_ncl_cl')))); enc.eval()
    emb = cached_embeddings(run.embeddings('speech_ncl_cl'), utts.utt_id.tolist())
    seed, weights = p['seed'], as_list(p['ccc_weights'], float)
    ft_cfg = TrainConfig.from_prefix(p, 'ft', seed=seed, progress=False)
    kind = 'ridge_residual' if p['ft_init'] == 'ridge' else 'mlp'
    tmp = Path(tempfile.mkdtemp(prefix='int8_ccc_')); folds, preds = [], {}
    def run_fold(train, val, test, fold):
        torch.manual_seed(seed + fold)
        fit = fit_head_fold(lambda: vad_head(scfg.dim), emb, index, train, val, test, ft_cfg, tmp/f'train{fold}', weights, with_val=True,
                            standardize=p['ft_standardize'], init=p['ft_init'])
        m = SpeechVAD(scfg, kind); m.encoder.load_state_dict(enc.state_dict()); m.head.load_state_dict(fit.model.state_dict()); m.eval()
        mdir = tmp/f'fold{fold}'/'models/speech_ncl_cl/final'
        save_for_inference(m, mdir, 'avemo.speech:speech_vad', dict(head=kind, **asdict(scfg)), name='speech', kind='speech',
                           inputs=dict(sample_rate=16000, min_seconds=0.25))
        exp = export_onnx(tmp/f'fold{fold}', model='speech', out=tmp/f'export{fold}', window=max_seconds, quantize=True)
        rec = json.loads((exp/'onnx.json').read_text())
        o32, o8 = OnnxPredictor(exp), OnnxPredictor(exp, int8=True)
        rows = [index[u] for u in test.utt_id]; waves = [clips[i]['wave'].numpy() for i in rows]
        with torch.no_grad(): pt = np.stack([m.predict_waves(torch.from_numpy(w)[None], torch.tensor([len(w)]))[0].clamp(-1, 1).numpy() for w in waves])
        p32 = np.stack([o32.speech(w) for w in waves]); p8 = np.stack([o8.speech(w) for w in waves])
        y = test[list(VAD)].to_numpy(np.float32); sc = lambda q: dict(zip(VAD, map(float, ccc_columns(np.asarray(q, np.float64), y.astype(np.float64)))))
        folds.append(dict(fold=int(fold), n_test=len(test), torch=sc(pt), onnx_fp32=sc(p32), onnx_int8=sc(p8),
                          head_on_cached_embeddings=sc(fit.test),
                          max_abs_diff_fp32_vs_torch=float(np.abs(p32 - pt).max()), max_abs_diff_int8_vs_fp32=float(np.abs(p8 - p32).max()),
                          sizes=rec.get('quantized', {}).get('speech', {})))
        f = folds[-1]; print(f"fold {fold}: torch", ' '.join(f"{f['torch'][d]:.3f}" for d in VAD), ' int8', ' '.join(f"{f['onnx_int8'][d]:.3f}" for d in VAD),
                             f" |int8-fp32| max {f['max_abs_diff_int8_vs_fp32']:.4f}", flush=True)
        return pt
    cv = cross_validate(utts, run_fold, 'speech_ncl_cl_int8check', seed=seed)
    mean = lambda k: {d: round(float(np.mean([f[k][d] for f in folds])), 4) for d in VAD}
    stage = json.loads((run.path/'metrics.json').read_text()) if (run.path/'metrics.json').exists() else {}
    res = dict(command=' '.join(sys.argv), run=str(run.path), seconds=round(time.time() - t0, 1), machine=machine(),
               onnxruntime=__import__('onnxruntime').__version__, graph_buffer_seconds=max_seconds,
               mean=dict(torch=mean('torch'), onnx_fp32=mean('onnx_fp32'), onnx_int8=mean('onnx_int8')),
               int8_minus_fp32={d: round(float(np.mean([f['onnx_int8'][d] - f['onnx_fp32'][d] for f in folds])), 4) for d in VAD},
               int8_minus_fp32_per_fold={d: [round(f['onnx_int8'][d] - f['onnx_fp32'][d], 4) for f in folds] for d in VAD},
               run_metrics_speech_ncl_cl={d: stage.get(f'speech_ncl_cl/ccc_{d}') for d in VAD},
               this_bench_heads={d: round(float(cv.folds[f'ccc_{d}'].mean()), 4) for d in VAD}, folds=folds)
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1))
    print(json.dumps({k: res[k] for k in ('mean', 'int8_minus_fp32', 'run_metrics_speech_ncl_cl', 'this_bench_heads', 'seconds')}, indent=1))

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0]); a.add_argument('run')
    a.add_argument('--out', default='bench/results/int8_ccc_demo.json'); a = a.parse_args(); main(a.run, a.out)
