"""The web app (issue 18) in a real browser: `avemo.ui.ui` serves the Configure, Monitor and Interact panels with Voilà on a free
localhost port, and a headless Chromium (Debian's `chromium`, driven by Playwright through `executable_path`; Playwright's own
browser download is never used) enters a bad value and reads its error, launches a toy pipeline and waits for its loss curve,
uploads a wav and reads a VAD value, and checks that the Comet key is in neither the page, the saved profile nor the logs.

The launch is real: `avemo ui --command` starts a script that runs `avemo.cli.main(['pipeline', ...])` with the stage registry
replaced by one stage named `baselines` whose notebook writes a 6-epoch metrics.jsonl (as `tests/test_trust.py` replaces it), so the
pipeline, papermill, the markers and the Monitor are the real ones and the run takes seconds. Screenshots go to the test's temporary
folder. Skipped, saying why, without chromium (`make install` installs it with apt as root) or with AVEMO_SKIP_BROWSER=1.

`python tests/test_ui.py --screenshots nbs/images --run reports/demo` saves the README's screenshot of each panel from a finished run.
"""
import contextlib, json, os, re, shutil, signal, socket, subprocess, sys, time
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SENTINEL = 'SENTINEL-comet-key-5f1e2d3c4b'             # stands for COMET_API_KEY: it must appear nowhere
ENV = dict(os.environ, HF_HUB_OFFLINE='1', OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore', COMET_API_KEY=SENTINEL)
TIMEOUT = 120_000                                       # ms: a loaded 2-core machine starts Voilà's kernel (torch imports) slowly

def chromium()->str|None: return shutil.which('chromium') or shutil.which('chromium-browser')

def skip_reason()->str:
    if os.environ.get('AVEMO_SKIP_BROWSER'): return 'AVEMO_SKIP_BROWSER is set'
    if chromium() is None: return 'no chromium on PATH: `make install` installs it with apt when run as root (or: sudo apt-get install chromium)'
    for m in ('playwright', 'voila'):
        try: __import__(m)
        except ImportError: return f'{m} is not installed: run `make install`'
    return ''

pytestmark = pytest.mark.skipif(bool(skip_reason()), reason=skip_reason() or 'runs')

TOY_STAGE = [("out = ''  # run directory\nbaseline_epochs = 3  # epochs\nbaseline_batch_size = 32  # batch\nbaseline_lr = 0.05  # learning rate", ['parameters']),
             ("import time\nfrom avemo.core import RunDir\nfrom avemo.tracking import JsonlTracker\n"
              "tr = JsonlTracker(RunDir(out).fold_dir('mfcc_baseline', 1))\n"
              "for e in range(baseline_epochs):\n"
              "    tr.log_metrics(dict(loss=1 / (e + 1)), step=e + 1, epoch=e)\n"
              "    tr.log_metrics(dict(train_loss=1 / (e + 1), val_loss=1.2 / (e + 1), val_ccc_weighted=0.1 * e), step=e + 1, epoch=e, event='epoch')\n"
              "    time.sleep(0.3)", [])]

TOY_PIPELINE = """import sys
from pathlib import Path
from avemo import pipeline as P
from avemo.cli import main
P.STAGES[:] = [dict(name='baselines', notebook='toy_baselines.ipynb', about='a toy stage: a loss curve', cost=10)]
P.nbs_dir = lambda: Path(__file__).resolve().parent
main(['pipeline', *sys.argv[1:]])
"""

def toy_pipeline(folder:Path)->str:
    "Write the toy stage notebook and the script that runs the real pipeline on it; the `--command` template that launches it."
    import nbformat
    nb = nbformat.v4.new_notebook(); nb.metadata['kernelspec'] = dict(name='python3', display_name='python3', language='python')
    nb.cells = [nbformat.v4.new_code_cell(src, metadata=dict(tags=tags)) for src, tags in TOY_STAGE]
    nbformat.write(nb, folder/'toy_baselines.ipynb'); (folder/'toy_pipeline.py').write_text(TOY_PIPELINE)
    return '{python} ' + str(folder/'toy_pipeline.py') + ' --profile {profile} --out {out} --stages {stages}'

def prepared_run(run:Path)->Path:
    "A run directory as after the prepare stage (its marker, 40 IEMOCAP utterances) with untrained speech, visual and fusion models."
    import pandas as pd
    from avemo.core import RunDir, write_json
    from avemo.predict import stand_in_models
    from avemo.synth import write_clip
    stand_in_models(run); r = RunDir(run); wav = write_clip(run/'clip.wav', 2.5)
    write_json(r.marker('prepare'), dict(seconds=1.0)); r.processed('iemocap').mkdir(parents=True, exist_ok=True)
    pd.DataFrame(dict(utt_id=[f'Ses01F_t_F{i:03d}' for i in range(40)], emotion='neu', valence=0., arousal=0., dominance=0.,
                      wav_path=str(wav))).to_csv(r.manifest('iemocap', 'utterances'), index=False)
    return run

def free_port()->int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

@contextlib.contextmanager
def serve(run:Path, folder:Path, env:dict, **kw):
    "`avemo.ui.ui` on a free port in its own process group, until the block ends; then the group and any pipeline it launched are stopped."
    port, log = free_port(), folder/'ui_server.log'
    args = ', '.join(f'{k}={v!r}' for k, v in dict(port=port, run=str(run), interval=1.0, **kw).items())
    p = subprocess.Popen([sys.executable, '-c', f'from avemo.ui import ui; ui({args})'], cwd=folder, env=env, start_new_session=True,
                         stdout=open(log, 'w'), stderr=subprocess.STDOUT)
    try:
        t0 = time.time()
        while True:
            assert p.poll() is None, log.read_text()[-3000:]
            try: socket.create_connection(('127.0.0.1', port), 1).close(); break
            except OSError: time.sleep(0.3)
            assert time.time() - t0 < 90, 'Voilà did not start in 90 s'
        yield f'http://127.0.0.1:{port}/', log
    finally:
        with contextlib.suppress(ProcessLookupError): os.killpg(p.pid, signal.SIGTERM)
        try: p.wait(20)
        except subprocess.TimeoutExpired: os.killpg(p.pid, signal.SIGKILL); p.wait(10)
        stop_launched(run)

def stop_launched(run:Path):
    "Kill the pipeline a test launched (it runs in a session of its own, so that it outlives the UI) if it still runs."
    import psutil
    rec = json.loads((run/'launch.json').read_text()) if (run/'launch.json').exists() else {}
    with contextlib.suppress(psutil.Error, KeyError):
        p = psutil.Process(rec['pid']); kids = p.children(recursive=True); p.kill(); [k.kill() for k in kids]

@contextlib.contextmanager
def browser_page(url:str, width:int=1400, height:int=1000):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium(), headless=True, args=['--no-sandbox', '--disable-dev-shm-usage'])
        try:
            page = b.new_page(viewport=dict(width=width, height=height)); page.set_default_timeout(TIMEOUT)
            page.goto(url); page.wait_for_selector('.avemo-app'); yield page
        finally: b.close()

def text_has(page, selector:str, needle:str, timeout:int=TIMEOUT):
    "Wait until the element's text contains `needle`."
    page.wait_for_function('([s, n]) => { const e = document.querySelector(s); return e && e.innerText.includes(n); }', arg=[selector, needle], timeout=timeout)

def open_tab(page, title:str): page.locator('.lm-TabBar-tab', has_text=title).first.click()

def upload(page, path):
    with page.expect_file_chooser() as fc: page.click('.avemo-upload')
    fc.value.set_files(str(path))

@pytest.fixture(scope='module')
def app(tmp_path_factory):
    "The served app on a prepared run, a browser page on it, and where the screenshots go."
    import threading
    folder = tmp_path_factory.mktemp('ui'); run, shots = folder/'run', folder/'screenshots'; shots.mkdir()
    prep = threading.Thread(target=prepared_run, args=(run,)); prep.start()      # while Voilà and its kernel start (the panels read the run when used)
    try:
        with serve(run, folder, ENV, stages='baselines', command=toy_pipeline(folder)) as (url, log), browser_page(url) as page:
            prep.join(); assert (run/'stages/prepare.json').exists()
            yield dict(page=page, run=run, shots=shots, folder=folder, log=log)
    finally: prep.join()

def test_bad_value_shows_its_error_and_launches_nothing(app):
    page, run = app['page'], app['run']
    page.fill('.avemo-field-baseline_batch_size input', '-4'); page.click('.avemo-launch')
    text_has(page, '.avemo-error-baseline_batch_size', 'a batch size must be a positive whole number (got -4)')
    text_has(page, '.avemo-launch-status', 'nothing launched')
    page.screenshot(path=str(app['shots']/'configure_error.png'), full_page=True)
    assert not (run/'launch.json').exists() and not (run/'profile.yaml').exists()

def test_launch_shows_the_monitor_curve(app):
    page, run = app['page'], app['run']
    page.fill('.avemo-field-baseline_batch_size input', '8'); page.fill('.avemo-field-baseline_epochs input', '6'); page.click('.avemo-launch')
    text_has(page, '.avemo-launch-status', 'launched (pid')
    assert page.inner_text('.avemo-error-baseline_batch_size') == ''
    page.wait_for_function("() => { const i = document.querySelector('img.avemo-curves'); return i && i.naturalWidth > 100; }")
    text_has(page, '.avemo-progress', '1/1 stages done')                  # the toy stage ran through the real pipeline: its marker
    assert 'mfcc_baseline/fold1' in page.inner_text('.avemo-curve-select')
    page.screenshot(path=str(app['shots']/'monitor.png'), full_page=True)
    assert json.loads((run/'stages/baselines.json').read_text())['params']['baseline_epochs'] == 6
    assert (run/'models/mfcc_baseline/fold1/metrics.jsonl').read_text().count('"event": "epoch"') == 6

def test_upload_a_wav_shows_its_vad(app):
    page = app['page']
    open_tab(page, 'Interact'); page.select_option('.avemo-model select', 'speech')
    upload(page, app['run']/'clip.wav')
    text_has(page, '.avemo-vad', 'nearest emotion prototype')
    v = float(page.inner_text('.avemo-vad .avemo-valence'))
    assert -1 <= v <= 1
    page.wait_for_function("() => { const i = document.querySelector('img.avemo-va'); return i && i.naturalWidth > 100; }")
    page.screenshot(path=str(app['shots']/'interact.png'), full_page=True)
    (app['folder']/'notes.txt').write_text('not audio'); upload(page, app['folder']/'notes.txt')
    text_has(page, '.avemo-interact-error', "notes.txt: unsupported file type '.txt'")
    assert page.inner_text('.avemo-vad') == '' and 'Traceback' not in page.content()

def test_no_secret_in_the_page_the_profile_or_the_logs(app):
    page, run = app['page'], app['run']
    for tab in ('Configure', 'Monitor', 'Interact'): open_tab(page, tab); assert SENTINEL not in page.content(), tab
    files = [run/'profile.yaml', run/'pipeline.log', run/'launch.json', run/'config.json', app['log']] + sorted(run.glob('notebooks/*.ipynb'))
    assert (run/'profile.yaml').exists() and (run/'pipeline.log').exists()
    for f in files: assert SENTINEL not in f.read_text(errors='replace'), f
    assert sorted(p.name for p in app['shots'].glob('*.png')) == ['configure_error.png', 'interact.png', 'monitor.png']

def readme_screenshots(out:Path, run:Path):
    "One screenshot of each panel on a finished run (`make demo`'s), for the README: nothing is launched or written into the run."
    import tempfile
    env = {k: v for k, v in ENV.items() if k != 'COMET_API_KEY'}
    with tempfile.TemporaryDirectory() as d, serve(run, Path(d), env) as (url, _), browser_page(url, 1300, 2000) as page:
        page.fill('.avemo-field-jobs input', 'two'); page.fill('.avemo-field-scale input', '-1'); page.click('.avemo-check')
        text_has(page, '.avemo-error-scale', 'must be positive'); page.locator('.avemo-app').screenshot(path=str(out/'ui_configure.png'))
        open_tab(page, 'Monitor')
        opts = [o for o in page.locator('.avemo-curve-select option').all_inner_texts() if o.startswith('speech_ncl/pretrain')]
        if opts: page.select_option('.avemo-curve-select select', opts[0])
        page.wait_for_function("() => { const i = document.querySelector('img.avemo-curves'); return i && i.naturalWidth > 100; }")
        time.sleep(1.5); page.locator('.avemo-app').screenshot(path=str(out/'ui_monitor.png'))
        open_tab(page, 'Interact')
        vids = [o for o in page.locator('.avemo-testset option').all_inner_texts() if '(video)' in o]
        if vids: page.select_option('.avemo-testset select', label=vids[0])
        page.click('.avemo-predict'); text_has(page, '.avemo-vad', 'nearest emotion prototype')
        page.wait_for_function("() => { const i = document.querySelector('img.avemo-va'); return i && i.naturalWidth > 100; }")
        page.locator('.avemo-app').screenshot(path=str(out/'ui_interact.png'))

if __name__ == '__main__':
    import argparse
    p = argparse.ArgumentParser(description='Save a screenshot of each panel of `avemo ui` (for the README).')
    p.add_argument('--screenshots', default=str(ROOT/'nbs/images')); p.add_argument('--run', default=str(ROOT/'reports/demo'))
    a = p.parse_args(); assert not skip_reason(), skip_reason()
    readme_screenshots(Path(a.screenshots), Path(a.run).resolve()); print(f'saved ui_configure.png, ui_monitor.png, ui_interact.png in {a.screenshots}')
