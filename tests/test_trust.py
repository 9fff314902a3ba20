"""Trust (issue 19): what a hostile or careless user meets at the command line. Each case once ran code, crashed with a traceback,
or wrote where it must not; each must now be one line on stderr that names the file, a non-zero exit, and no side effect."""
import contextlib, json, os, shutil, signal, subprocess, sys, time
from pathlib import Path
import numpy as np, pytest, soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
AVEMO = str(Path(sys.executable).parent/'avemo')
ENV = dict(os.environ, HF_HUB_OFFLINE='1', OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')

def avemo(*args, cwd=None, timeout=300):
    return subprocess.run([AVEMO, *map(str, args)], capture_output=True, text=True, env=ENV, cwd=cwd, timeout=timeout)

def one_line_error(r, *must):
    "A non-zero exit status and a short message naming what is wrong, without a traceback."
    assert r.returncode in (1, 2), (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    assert 'Traceback' not in r.stderr and 'Traceback' not in r.stdout, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    for m in must: assert m in last, (m, last)

@contextlib.contextmanager
def read_only(folder:Path):
    "A folder nobody can write to, root included where the file system allows (chattr +i); skips when it cannot be made."
    folder.mkdir(parents=True, exist_ok=True); folder.chmod(0o555); immutable = False
    if os.access(folder, os.W_OK) and os.geteuid() == 0:
        immutable = subprocess.run(['chattr', '+i', str(folder)], capture_output=True).returncode == 0
    try:
        probe = folder/'.probe'
        try: probe.write_text('x'); probe.unlink(); pytest.skip('cannot make a read-only folder here')
        except OSError: pass
        yield folder
    finally:
        if immutable: subprocess.run(['chattr', '-i', str(folder)])
        folder.chmod(0o755)

@pytest.fixture(scope='module')
def iemocap(tmp_path_factory):
    from avemo.synth import write_iemocap
    return Path(write_iemocap(tmp_path_factory.mktemp('corpus'), seed=0, n_dialogs=1, n_utts=3, fps=4, frame_hw=(60, 160)))

@pytest.fixture(scope='module')
def models(tmp_path_factory):
    from avemo.predict import stand_in_models
    return stand_in_models(tmp_path_factory.mktemp('run'))

def test_manifest_out_inside_the_corpus_is_refused(iemocap):
    before = sorted(p.relative_to(iemocap) for p in iemocap.rglob('*'))
    one_line_error(avemo('manifest', 'iemocap', iemocap, '--out', iemocap/'Session1/m.csv'), 'refusing to write inside the source tree')
    assert sorted(p.relative_to(iemocap) for p in iemocap.rglob('*')) == before

@pytest.mark.parametrize('cmd', ['manifest', 'preprocess'])
def test_read_only_output_is_one_line(iemocap, tmp_path, cmd):
    with read_only(tmp_path/'ro') as ro:
        out = ro/'m.csv' if cmd == 'manifest' else ro/'proc'
        one_line_error(avemo(cmd, 'iemocap', iemocap, '--out', out), str(ro), 'cannot write to this output folder')

def test_output_under_a_file_is_one_line(iemocap, tmp_path):
    (tmp_path/'f').write_text('x')
    one_line_error(avemo('preprocess', 'iemocap', iemocap, '--out', tmp_path/'f/proc'), 'f/proc', 'cannot write')

@pytest.mark.parametrize('layout', ['Session', 'Session1'])
def test_root_with_only_an_empty_session_folder(tmp_path, layout):
    (tmp_path/layout).mkdir()
    one_line_error(avemo('manifest', 'iemocap', tmp_path), str(tmp_path), 'no Session<N>/dialog/EmoEvaluation/*.txt found')
    one_line_error(avemo('preprocess', 'iemocap', tmp_path, '--out', tmp_path.parent/f'{tmp_path.name}-proc'), 'no Session<N>')

def test_looping_symlink_is_a_recorded_skip(iemocap, tmp_path):
    root = tmp_path/'IEMOCAP_full_release'; shutil.copytree(iemocap, root, symlinks=True)
    (root/'Session1/dialog/EmoEvaluation/loop.txt').symlink_to('loop.txt')
    r = avemo('manifest', 'iemocap', root, '--out', tmp_path/'m.csv')
    assert r.returncode == 0, r.stderr
    sk = (tmp_path/'m.skipped.csv').read_text()
    assert 'loop.txt' in sk and 'looping symbolic link' in sk

def wav(path, seconds=2.):
    sf.write(path, (0.1 * np.sin(np.arange(int(16000 * seconds)) / 5)).astype('float32'), 16000); return path

def test_predict_into_a_missing_folder_is_created_first(models, tmp_path):
    "Also the control of the refusals below: the unedited model folder predicts."
    out = tmp_path/'new/deeper'
    r = avemo('predict', models, wav(tmp_path/'a.wav'), '--model', 'speech', '--out', out)
    assert r.returncode == 0, r.stderr
    assert (out/'summary.csv').exists()
    r = avemo('predict', models, tmp_path/'a.wav', '--model', 'speech', '--out', tmp_path/'new2/summary.json')
    assert r.returncode == 0 and (tmp_path/'new2/summary.json').exists(), r.stderr

def test_predict_into_a_read_only_folder_fails_before_predicting(models, tmp_path):
    with read_only(tmp_path/'ro') as ro:
        t0 = time.time(); one_line_error(avemo('predict', models, wav(tmp_path/'a.wav'), '--model', 'speech', '--out', ro/'x'), 'cannot write')

def evil_models(models, tmp_path)->dict:
    "Copies of a saved model, each with one hostile edit: name -> (folder, what the one-line error must say)."
    import pickle
    out, marker = {}, tmp_path/'ran'
    def copy(tag, edit=None, weights=None):
        d = tmp_path/tag; shutil.copytree(models/'models/speech_ncl_cl/final', d)
        (d/'nbs').mkdir(); (d/'nbs/x.ipynb').write_text(json.dumps(dict(cells=[], metadata={}, nbformat=4, nbformat_minor=5)))
        rec = json.loads((d/'model.json').read_text()); edit and edit(rec); (d/'model.json').write_text(json.dumps(rec))
        if weights is not None: (d/'model.safetensors').write_bytes(weights)
        return d
    kw = dict(argv=['demo-data', '--out', str(marker)], path=str(marker), arr=[1], profile='demo', out=str(marker), cmd=f'touch {marker}')
    for b in ('avemo.pipeline:run_pipeline', 'avemo.cli:main', 'avemo.preprocess:save_npy', 'os:system', 'builtins:exec',
              'avemo.inference:load_for_inference'):                # the three gadgets of the report, and three more
        d = copy(b.replace(':', '_'), lambda r: r.update(builder=b, kwargs=dict(kw, nbs=str(tmp_path/b.replace(':', '_')/'nbs'))))
        out[b] = (d, [str(d/'model.json'), 'is not a registered model builder'])
    out['memory bomb'] = (copy('bomb', lambda r: r['kwargs'].update(dim=2 ** 20, ffn=2 ** 24)), ['model.json', 'does not match the weights'])
    good = (models/'models/speech_ncl_cl/final/model.safetensors').read_bytes()
    for tag, junk in dict(pickle=pickle.dumps({'w': [1, 2]}), truncated=good[:100], empty=b'', header=(2 ** 62).to_bytes(8, 'little') + b'{}').items():
        out[f'weights: {tag}'] = (copy(tag, weights=junk), ['model.safetensors'])
    return out

RUN_ALL = """import contextlib, io, json, sys
from avemo.cli import main
res = {}
for tag, d in json.loads(sys.argv[1]).items():
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try: main(['predict', d, sys.argv[2]]); code = 0
        except SystemExit as e: code = e.code if isinstance(e.code, int) else 1; print(e.code if isinstance(e.code, str) else '', file=sys.stderr)
        except BaseException as e: code = 'traceback'; print(repr(e), file=sys.stderr)
    res[tag] = [code, err.getvalue()]
print(json.dumps(res))"""

def test_hostile_model_folders_are_refused_by_name(models, tmp_path):
    "Each hostile model folder is one line naming the file, in one process (each `avemo` start costs seconds of imports)."
    cases = evil_models(models, tmp_path)
    r = subprocess.run([sys.executable, '-c', RUN_ALL, json.dumps({k: str(d) for k, (d, _) in cases.items()}), str(wav(tmp_path/'a.wav'))],
                       capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    for tag, (d, must) in cases.items():
        code, err = res[tag]
        assert code in (1, 2) and 'Traceback' not in err, (tag, code, err)
        for m in must: assert m in err.strip().splitlines()[-1], (tag, m, err)
    assert not (tmp_path/'ran').exists() and not (tmp_path/'ran.npy').exists()

def descendants(pid:int)->list:
    import psutil
    try: return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess: return []

def toy_pipeline(tmp_path):
    "A one-stage pipeline whose stage starts a pool of 2 preprocessing workers that sleep (the shape of the real prepare stage)."
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("out = ''  # run directory", metadata=dict(tags=['parameters'])),
                nbformat.v4.new_code_cell("import time\nfrom avemo.preprocess import run_jobs\n"
                                          "run_jobs({str(i): (time.sleep, (120,)) for i in range(4)}, out, {}, workers=2)")]
    nb.metadata['kernelspec'] = dict(name='python3', display_name='python3', language='python')
    nbformat.write(nb, tmp_path/'sleepy.ipynb')
    code = ("import sys; from avemo.cli import main; from avemo import pipeline as P\n"
            f"P.STAGES[:] = [dict(name='sleepy', notebook='sleepy.ipynb')]\n"
            f"P.nbs_dir = lambda: __import__('pathlib').Path({str(tmp_path)!r})\n"
            f"main(['pipeline', '--out', {str(tmp_path/'run')!r}])")
    # SIGINT as a terminal's Ctrl-C delivers it: a suite started in the background (`cmd &` without job control) hands its children
    # SIGINT ignored, and Python keeps an inherited SIG_IGN, so the pipeline would not see the test's signal at all
    return subprocess.Popen([sys.executable, '-c', code], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))

def wait_for_workers(p, n=3, timeout=120):
    t0 = time.time()
    while time.time() - t0 < timeout:
        kids = descendants(p.pid)
        if len(kids) >= n: time.sleep(1); return descendants(p.pid)
        assert p.poll() is None, p.communicate()
        time.sleep(0.5)
    raise AssertionError(f'the stage did not start its workers in {timeout} s')

@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_killing_the_pipeline_leaves_no_orphans(tmp_path, sig):
    import psutil
    p = toy_pipeline(tmp_path); kids = wait_for_workers(p)          # the kernel and its two workers (plus the pool's helpers)
    p.send_signal(sig)
    try: out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired: p.kill(); raise AssertionError(f'the pipeline did not exit within 60 s of signal {sig!r}')
    if sig != signal.SIGKILL:
        assert p.returncode == 130 and 'Traceback' not in err and 'run the same command again to resume' in err, err[-2000:]
    gone, alive = psutil.wait_procs(kids, timeout=20)
    assert not alive, [(k.pid, k.name()) for k in alive]
