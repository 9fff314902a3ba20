"""Does any MCL setting give a face encoder whose linear probe beats the random-initialised ViT's? (issue 14: `visual_mcl` loses to
`visual_random_init` on valence, and MCL's probe to the random encoder's.)

Run: python bench/mcl_variants.py reports/demo [--out bench/results/mcl_variants_demo.json] [--workers 2]
Each variant runs the visual stage's own MCL step (`avemo.stages._mcl`: the demo profile's MCL settings plus the variant's overrides,
2,000 FaceSynthetics images) in a scratch copy of the run (processed data hard-linked, read only), then the stage's learning
diagnostics (`avemo.visual.visual_diagnostics`: collapse, alignment, uniformity, and the ridge probe of utterance-mean crop embeddings
under the LOSO folds, speaker-normalised as the demo's face heads are) on the kept encoder and on the random-initialised one.
The `colour` variants replace the views' colour jitter (saturation 0.3 → 0.8, hue 0.05 → 0.5, grayscale 0.2 → 0.5): a test of
whether instance discrimination on the synthetic faces' colours is what pushes expression out of the embedding.
The geometry variants change the full views' affine jitter (rotation 20°, scale 0.85-1.15, shift 8 %): `no geometry` is the stage's
`mcl_views: appearance` (the face stays where it is and the views differ in appearance only, so the mouth corners stay at the same
pixels), `strong geometry` widens the jitter to 30°, 0.7-1.3 and 15 %. `--variants` picks variants by name (comma-separated), `--seeds` runs each at several seeds (the random ViT,
the MCL initialisation and the views all follow the seed).
"""
import argparse, json, shutil, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent)); from common import machine, scratch_copy

COLOUR = dict(hue=0.5, sat=0.8, gray=0.5)
VARIANTS = {'demo profile': {}, 'temperature 0.5': dict(mcl_temperature=0.5), 'queue 1024': dict(queue_size=1024),
            'lr 1e-4': dict(mcl_lr=1e-4), 'lr 3e-5': dict(mcl_lr=3e-5), 'colour': dict(aug=COLOUR),
            'colour, lr 1e-4': dict(aug=COLOUR, mcl_lr=1e-4), 'colour, 4 epochs': dict(aug=COLOUR, mcl_epochs=4),
            'no geometry': dict(mcl_views='appearance'),
            'strong geometry': dict(geometry=dict(rotation=30., scale=(0.7, 1.3), translate=0.15))}

def variant(run: str, name: str, over: dict) -> dict:
    import multiprocessing, torch; torch.set_num_threads(1)
    multiprocessing.set_start_method('fork', force=True)   # this process was spawned; its DataLoader worker forks, as in the stage
    over = dict(over); aug = over.pop('aug', None); geometry = over.pop('geometry', None)
    import avemo.visual as V
    if geometry:
        from functools import partial
        V.full_aug = partial(V.full_aug, **geometry)      # MCLViews looks it up when the views are built
    if aug:
        from torchvision.transforms import v2
        def coloured(strength=1.):
            s = strength
            return v2.Compose([v2.ColorJitter(0.4 * s, 0.4 * s, aug['sat'] * s, aug['hue'] * s), v2.RandomGrayscale(aug['gray']),
                               v2.RandomApply([v2.GaussianBlur(5, (0.1, 1.5))], p=0.3), v2.RandomApply([v2.GaussianNoise(0., 0.03)], p=0.5),
                               v2.Lambda(lambda x: x.clamp(0, 1))])
        V.appearance_aug = coloured                     # MCLViews and full_aug look it up at call time
    from avemo import stages
    from avemo.core import RunDir, load_profile
    from avemo.data import load_manifest
    from avemo.datasets import FaceImages
    from avemo.probes import fixed_batch
    p = stages.defaults(stages.visual_stage)
    p.update({k: v for k, v in load_profile('demo').items() if k in p}); p.update(over); p['tracker'] = 'none'
    scratch = scratch_copy(run, 'mcl_variant_'); r = RunDir(scratch); seed = p['seed']
    try:
        utts, frames = load_manifest(r.manifest('iemocap', 'utterances')), load_manifest(r.manifest('iemocap', 'frames'))
        images = load_manifest(r.manifest('facesynthetics', 'images'))
        views = fixed_batch(FaceImages(images, r.processed('facesynthetics'), 'mcl'), 32, seed)
        diagnose = lambda enc: V.visual_diagnostics(enc, frames, utts, r.processed('iemocap'), views, [float(w) for w in p['ccc_weights']],
                                                    p['vft_norm'] == 'speaker', seed)
        logs, t0 = {}, time.time(); res = stages.StageResult('visual')
        stages._mcl(r, r, False, V.DEMO_VISUAL, images, stages._trainer(r, diagnose, 'none', 1, logs), diagnose, logs, p, res)
        d = res.tables['learning diagnostics'].round(3).to_dict('index')
        return dict(variant=name, seed=seed, overrides={**over, **({'aug': aug} if aug else {}), **({'geometry': geometry} if geometry else {})},
                    seconds=round(time.time() - t0),
                    loss=[round(float(x), 3) for x in res.tables['MCL history'].train_loss], **d)
    finally: shutil.rmtree(scratch, ignore_errors=True)

def main(run, out, workers, names=None, seeds=(0,)):
    t0 = time.time(); names = names or list(VARIANTS)
    unknown = set(names) - set(VARIANTS)
    if unknown: raise SystemExit(f'unknown variants {sorted(unknown)}; choose from {list(VARIANTS)}')
    jobs = [(n, dict(VARIANTS[n], seed=s)) for s in seeds for n in names]
    with ProcessPoolExecutor(workers, max_tasks_per_child=1) as ex:       # a fresh process per variant: the colour patch stays in its own
        rows = list(ex.map(variant, [run] * len(jobs), [n for n, _ in jobs], [o for _, o in jobs]))
    res = dict(command=' '.join(sys.argv), run=str(run), seconds=round(time.time() - t0), machine=machine(), rows=rows)
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1))
    for s in seeds:
        ref = next(x for x in rows if x['seed'] == s)['visual_random_init']
        print(f"{'random-initialised ViT':22s} seed {s} probe V/A/D {ref['probe_ccc_valence']:.3f} {ref['probe_ccc_arousal']:.3f} {ref['probe_ccc_dominance']:.3f} weighted {ref['probe_ccc_weighted']:.3f}")
    for x in rows:
        m = x['visual_mcl']
        print(f"{x['variant']:22s} seed {x['seed']} probe V/A/D {m['probe_ccc_valence']:.3f} {m['probe_ccc_arousal']:.3f} {m['probe_ccc_dominance']:.3f} weighted "
              f"{m['probe_ccc_weighted']:.3f}  collapse {m['collapse_std']:.3f} uniformity {m['uniformity']:.3f} loss {x['loss']}")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0]); ap.add_argument('run')
    ap.add_argument('--out', default='bench/results/mcl_variants_demo.json'); ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--variants', default='', help='comma-separated variant names (default: all)'); ap.add_argument('--seeds', default='0')
    a = ap.parse_args(); main(a.run, a.out, a.workers, [v for v in a.variants.split(',') if v], [int(s) for s in a.seeds.split(',')])
