"""Two run directories' numbers side by side (issue 19: the same commit on two machines, or under two settings): which metric groups
are equal bit for bit, how far the others moved, and the main rows.

Run: python bench/compare_runs.py RUN_A RUN_B [--out bench/results/compare_runs.json]
Example (this repository's measurement): the demo at its defaults (`reports/demo`, AVX-512 kernels on this machine) against the same
commit with every math library held to AVX2 (`avemo pipeline --profile demo --out /tmp/demo_avx2 --cpu_isa avx2`): what a machine
without AVX-512 computes.
"""
import argparse, json, math, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))

MAIN = ('mfcc_baseline', 'egemaps_baseline', 'speech_random_init', 'speech_ncl', 'speech_ncl_cl', 'visual_random_init', 'visual_mcl',
        'visual_mcl_landmarks', 'fusion')

def main(a, b, out):
    from common import machine
    ma, mb = (json.loads((Path(r)/'metrics.json').read_text()) for r in (a, b))
    cfg = lambda r: json.loads((Path(r)/'config.json').read_text()).get('environment', {})
    keys = [k for k in ma if k in mb and isinstance(ma[k], (int, float)) and not k.endswith('_std')]
    same = lambda k: ma[k] == mb[k] or (math.isnan(ma[k]) and math.isnan(mb[k]))
    groups = {}
    for k in keys:
        g = groups.setdefault(k.split('/')[0], dict(metrics=0, equal=0, max_abs_diff=0.))
        g['metrics'] += 1; g['equal'] += same(k)
        if not (math.isnan(ma[k]) or math.isnan(mb[k])): g['max_abs_diff'] = round(max(g['max_abs_diff'], abs(ma[k] - mb[k])), 4)
    rows = {m: {r: [round(x[f'{m}/ccc_{d}'], 3) for d in ('valence', 'arousal', 'dominance')] for r, x in (('a', ma), ('b', mb))}
            for m in MAIN if f'{m}/ccc_valence' in ma and f'{m}/ccc_valence' in mb}
    res = dict(command=' '.join(sys.argv), a=dict(run=a, cpu_capability=cfg(a).get('cpu_capability'), commit=cfg(a).get('commit')),
               b=dict(run=b, cpu_capability=cfg(b).get('cpu_capability'), commit=cfg(b).get('commit')), machine=machine(),
               metrics=len(keys), equal=sum(map(same, keys)), groups=groups, main_rows_vad=rows)
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1))
    print(f"{res['equal']} of {len(keys)} metrics equal ({res['a']['cpu_capability']} vs {res['b']['cpu_capability']})")
    for g, v in groups.items(): print(f"  {g:34s} {v['equal']:3d}/{v['metrics']:3d} equal, max |diff| {v['max_abs_diff']:.3f}")
    for m, v in rows.items(): print(f"  {m:22s} {v['a']}  {v['b']}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0]); p.add_argument('a'); p.add_argument('b')
    p.add_argument('--out', default='bench/results/compare_runs.json'); x = p.parse_args(); main(x.a, x.b, x.out)
