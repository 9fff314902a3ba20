"Repository hygiene: the library is the notebooks' export, notebooks are clean, README and settings say what they should."
import configparser, json, shutil, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted((ROOT/'nbs').glob('*.ipynb'))

def test_library_matches_notebooks(tmp_path):
    for p in ('settings.ini', 'setup.py'): shutil.copy(ROOT/p, tmp_path/p)
    shutil.copytree(ROOT/'nbs', tmp_path/'nbs'); shutil.copytree(ROOT/'avemo', tmp_path/'avemo')
    exe = Path(sys.executable).parent/'nbdev_export'
    subprocess.run([str(exe)], cwd=tmp_path, check=True, capture_output=True)
    drift = [p.name for p in (ROOT/'avemo').glob('*.py') if p.read_text() != (tmp_path/'avemo'/p.name).read_text()]
    assert not drift, f'avemo/ differs from the notebooks\' export (run nbdev_export): {drift}'

@pytest.mark.parametrize('nb', NBS, ids=lambda p: p.name)
def test_notebook_is_clean(nb):
    cells = json.loads(nb.read_text())['cells']
    dirty = [i for i, c in enumerate(cells) if c['cell_type'] == 'code' and (c.get('outputs') or c.get('execution_count'))]
    assert not dirty, f'{nb.name}: cells {dirty} carry outputs; run nbdev_clean'

def test_stage_notebooks_have_one_parameters_cell():
    for nb in NBS:
        cells = json.loads(nb.read_text())['cells']
        n = sum('parameters' in c.get('metadata', {}).get('tags', []) for c in cells)
        is_stage = not any(''.join(c['source']).startswith('#| default_exp') for c in cells)
        if is_stage and nb.name != 'index.ipynb': assert n == 1, f'{nb.name}: a stage notebook needs exactly one parameters cell'

STAGE_NBS = [nb for nb in NBS if nb.name != 'index.ipynb' and not any(''.join(c['source']).startswith('#| default_exp')
                                                                      for c in json.loads(nb.read_text())['cells'])]

def _code(nb)->list[str]:
    "The non-empty, non-comment lines of a notebook's code cells other than its parameters cell."
    cells = [c for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code' and 'parameters' not in c.get('metadata', {}).get('tags', [])]
    return [l for c in cells for l in ''.join(c['source']).splitlines() if l.strip() and not l.strip().startswith('#')]

def test_stage_notebooks_are_thin():
    "A stage notebook calls its stage function and checks what came back: no functions, no loops, under 150 lines all together."
    assert len(STAGE_NBS) >= 6
    for nb in STAGE_NBS:
        bad = [l for l in _code(nb) if l.lstrip().startswith(('def ', 'for ', 'while ', 'class '))]
        assert not bad, f'{nb.name} does library work: {bad}'
    total = sum(len(_code(nb)) for nb in STAGE_NBS)
    assert total < 150, f'stage notebooks hold {total} lines of non-parameter code'

def test_import_direction():
    "No library module imports the pipeline (the CLI, its entry point, does), and the stages do not spell run-directory paths."
    import re
    for py in (ROOT/'avemo').glob('*.py'):
        if py.name in ('pipeline.py', 'cli.py', '_modidx.py'): continue
        assert not re.search(r'from (\.|avemo\.)pipeline import|import avemo\.pipeline', py.read_text()), f'{py.name} imports the pipeline'
    src = (ROOT/'avemo/stages.py').read_text() + ''.join(''.join(l) for nb in STAGE_NBS for l in _code(nb))
    spelled = re.findall(r"['\"](?:models|tables|figures|metrics|processed|stages|data\.json|config\.json)['\"/]", src)
    assert not spelled, f'run-directory paths spelled in stage code (use RunDir): {spelled}'

def test_settings_pins():
    cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini')
    req = cfg['DEFAULT']['requirements'].split(); dev = cfg['DEFAULT']['dev_requirements'].split()
    for pin in ('torch==2.11.*', 'torchaudio==2.11.0', 'torchvision==0.26.*', 'opencv-python-headless>=4.10,<5'): assert pin in req
    assert cfg['DEFAULT']['tst_flags'].split() == ['slow', 'gpu'], 'nbdev_test splits tst_flags on spaces'
    for pin in ('nbdev==2.4.14', 'execnb<0.2', 'fastgit<0.1.2'): assert pin in dev
    src = (ROOT/'setup.py').read_text()
    assert 'import pkg_resources' not in src and 'from pkg_resources' not in src

def test_readme_quick_start_and_ci():
    readme = (ROOT/'README.md').read_text()
    assert 'make demo' in readme and 'make test' in readme
    assert 'make test' in (ROOT/'.ci/run').read_text()

def test_readme_is_current(tmp_path):
    from avemo.docs import render_readme
    fresh = render_readme(ROOT/'nbs', out=tmp_path/'README.md').read_text()
    assert fresh == (ROOT/'README.md').read_text(), 'README.md is stale: edit nbs/index.ipynb and run `make readme`'

def _lock():
    "constraints.txt as {normalised name: exact version}."
    from packaging.utils import canonicalize_name
    rows = [l.split('==') for l in (ROOT/'constraints.txt').read_text().splitlines() if l and not l.startswith('#')]
    assert all(len(r) == 2 for r in rows), 'every lock line is name==version'
    return {canonicalize_name(n): v for n, v in rows}

def test_lock_file_pins_every_requirement_within_its_range():
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini')
    lock = _lock()
    for spec in cfg['DEFAULT']['requirements'].split() + cfg['DEFAULT']['dev_requirements'].split():
        r = Requirement(spec); name = canonicalize_name(r.name)
        assert name in lock, f'{r.name} is not in constraints.txt: run `make lock`'
        assert r.specifier.contains(lock[name], prereleases=True), f'constraints.txt pins {r.name}=={lock[name]}, outside {r}: run `make lock`'
    assert lock['torchaudio'] == '2.11.0' and lock['torch'].startswith('2.11.')
    assert 'avemo' not in lock, 'the project itself is not locked'

def test_lock_file_matches_this_environment():
    "The tested environment is the locked one (make install used the lock; a drifted .venv would not prove the lock works)."
    from importlib.metadata import distributions
    from packaging.utils import canonicalize_name
    lock = _lock()
    installed = {canonicalize_name(d.metadata['Name']): d.version for d in distributions()}
    ours = {n: v for n, v in lock.items() if n != 'setuptools'}   # setuptools comes with the interpreter's venv, not with make install
    drift = {n: (v, installed[n]) for n, v in ours.items() if n in installed and installed[n] != v}
    assert not drift, f'installed versions differ from constraints.txt (locked, installed): {drift}'

def test_makefile_installs_with_the_lock():
    mk = (ROOT/'Makefile').read_text()
    assert 'pip install -q -c $(LOCK) -e ".[dev]"' in mk and 'LOCK := constraints.txt' in mk
    test = mk.split('\ntest:')[1].split('\n\n')[0]
    assert test.splitlines()[1].strip() == '$(BIN)/avemo doctor', 'the install check is the first step of make test'
