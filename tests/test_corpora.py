"""The corpus registry (issue 20): `avemo manifest NAME ROOT` for every registered corpus on its tiny tree in the real layout,
recorded skips for its deliberate defects, identical manifests for the four corpora that predate the registry, and no speaker,
actor or subject on both sides of any train/test boundary."""
import contextlib, io
from pathlib import Path
import pandas as pd, pytest
from avemo.corpora import CORPORA, get_corpus, crossing_speakers
from avemo import data as D
from avemo.cli import main

NAMES = sorted(CORPORA)

@pytest.fixture(scope='module')
def trees(tmp_path_factory):
    base = tmp_path_factory.mktemp('corpora')
    return {n: Path(CORPORA[n].write_demo(base/n, seed=0)) for n in NAMES}

def test_the_registry_holds_all_eight():
    assert set(NAMES) >= {'iemocap', 'tedlium', 'facesynthetics', 'ravdess', 'msp_podcast', 'crema_d', 'enterface', 'baum1s'}
    assert get_corpus('MSP-Podcast').name == 'msp_podcast'
    with pytest.raises(ValueError, match='known corpora: baum1s, crema_d'): get_corpus('nope')

@pytest.mark.parametrize('name', NAMES)
def test_avemo_manifest_reads_every_corpus(trees, tmp_path, name):
    out = io.StringIO()
    with contextlib.redirect_stdout(out): main(['manifest', name, str(trees[name]), '--out', str(tmp_path/'m.csv')])
    line = out.getvalue().strip()
    assert line.startswith(f'{name}: ') and ' items' in line, line
    df = D.load_manifest(tmp_path/'m.csv'); assert len(df) > 0
    sk = pd.read_csv(tmp_path/'m.skipped.csv')
    if name in ('msp_podcast', 'crema_d', 'enterface', 'baum1s'):        # their demo trees carry deliberate defects
        assert (sk.action == 'skipped').sum() >= 1 and sk.reason.str.len().min() > 5, sk

@pytest.mark.parametrize('name', ['iemocap', 'tedlium', 'facesynthetics', 'ravdess'])
def test_existing_corpora_unchanged_by_the_registry(trees, name):
    "The registry's manifest equals the 00_data builder's own, row for row, with the same skip records."
    a_log, b_log = D.SkipLog(), D.SkipLog()
    a = D.MANIFESTS[name](trees[name], log=a_log); b = get_corpus(name).manifest(trees[name], log=b_log)
    pd.testing.assert_frame_equal(a, b); assert a_log.rows == b_log.rows

@pytest.mark.parametrize('name', [n for n in NAMES if CORPORA[n].speaker_col and CORPORA[n].split_col])
def test_no_identity_crosses_train_test(trees, name):
    c = get_corpus(name); df = c.split(c.manifest(trees[name], log=D.SkipLog()))
    c.check(df)                                                            # raises naming the speakers
    col, split = c.speaker_col, c.split_col
    if split == 'fold':                                                    # k-fold: each fold's test identities are absent from its training folds
        for f in df[split].unique():
            te, tr = set(df[df[split] == f][col]), set(df[df[split] != f][col])
            assert not (te & tr), (name, f, te & tr)
    role = lambda v: (c.roles or {}).get(v, v)
    known = df[~df[col].astype(str).isin(['Unknown', ''])]
    sp = known[col].iloc[0]; mine = {role(v) for v in df[df[col] == sp][split]}
    target = next((v for v in df[split].unique() if role(v) not in mine), None)
    assert target is not None, 'a corpus tree with one partition cannot test leakage'
    leaky = pd.concat([df, known.iloc[:1].assign(**{split: target})], ignore_index=True)   # one more item of that speaker, across the boundary
    with pytest.raises(ValueError, match='more than one partition'): c.check(leaky)   # so the check can fail

def test_pipeline_on_the_msp_podcast_demo_reports_test1(tmp_path):
    "`avemo pipeline --corpus msp_podcast` on the demo tree: prepare + benchmark stages only, CCC on Test1 and Test2, a run README."
    import json, os, subprocess, sys
    env = dict(os.environ, OMP_NUM_THREADS='1', HF_HUB_OFFLINE='1', PYTHONWARNINGS='ignore')
    r = subprocess.run([str(Path(sys.executable).parent/'avemo'), 'pipeline', '--corpus', 'MSP-Podcast', '--out', str(tmp_path/'run'),
                        '--benchmark_models', '[mean, mfcc_baseline]', '--baseline_epochs', '2', '--tracker', 'none'],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert '[1/2] prepare' in r.stdout and '[2/2] benchmark' in r.stdout and 'speech' not in r.stdout.split('[2/2]')[0]
    m = json.loads((tmp_path/'run/metrics.json').read_text())
    assert {'msp_podcast/mfcc_baseline/test1/ccc_arousal', 'msp_podcast/mfcc_baseline/test2/ccc_arousal'} <= set(m)
    assert abs(m['msp_podcast/mean/test1/ccc_arousal']) < 1e-6
    readme = (tmp_path/'run/README.md').read_text()
    assert 'official MSP-Podcast partitions' in readme and '| mfcc_baseline | Test1 |' in readme
    sk = pd.read_csv(tmp_path/'run/processed/msp_podcast/skipped.csv')          # the demo tree's deliberate defects, one report
    assert sk.reason.str.contains('outside').any() and sk.reason.str.contains('duplicated').any()

def test_pipeline_on_a_categorical_corpus_runs_the_categorical_track(tmp_path):
    "`avemo pipeline --corpus crema_d` on its demo tree: prepare + the categorical track (the ravdess stage) only, per-corpus keys, a run README."
    import json, os, subprocess, sys
    env = dict(os.environ, OMP_NUM_THREADS='1', HF_HUB_OFFLINE='1', PYTHONWARNINGS='ignore')
    r = subprocess.run([str(Path(sys.executable).parent/'avemo'), 'pipeline', '--corpus', 'CREMA-D', '--out', str(tmp_path/'run'), '--scale', '0.2',
                        '--ravdess_models', '[wave_cnn_short, efficientface]', '--ravdess_epochs', '2', '--ravdess_folds', '2',
                        '--fusion_methods', '[late]', '--label_fractions', '[]', '--tracker', 'none'],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert '[1/2] prepare' in r.stdout and '[2/2] ravdess' in r.stdout, r.stdout
    m = json.loads((tmp_path/'run/metrics.json').read_text())
    assert {'crema_d/wave_cnn_short/uar', 'crema_d/efficientface/f1', 'crema_d/fusion_late/uar', 'crema_d/majority_baseline/wa'} <= set(m), sorted(m)
    assert not any(k.startswith('ravdess/') for k in m)
    items = pd.read_csv(tmp_path/'run/tables/crema_d/items.csv')
    assert set(items.emotion) <= {'anger', 'disgust', 'fear', 'happiness', 'neutral', 'sadness'} and items.groupby('actor').fold.nunique().max() == 1
    assert '1003_TSI_SAD_LO' not in set(items.utt_id)                         # its video is missing: a recorded skip of preprocessing
    readme = (tmp_path/'run/README.md').read_text()
    assert '## crema_d: 6-class emotion, speaker-independent (measured in this run)' in readme and 'Actor-independent k-fold' in readme
    rec = json.loads((tmp_path/'run/models/crema_d_efficientface/final/model.json').read_text())   # a named inference model for `avemo predict`
    assert rec['name'] == 'crema_d_efficientface' and rec['outputs'] == ['anger', 'disgust', 'fear', 'happiness', 'neutral', 'sadness']
