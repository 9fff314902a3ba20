"avemo tune across processes: two workers share one SQLite study, a killed worker's study resumes, and no Comet key is written anywhere."
import json, multiprocessing as mp, os, signal, socket, time
from pathlib import Path
import pytest

optuna = pytest.importorskip('optuna')
from optuna.trial import TrialState
from avemo.core import RunDir, write_json, read_json
from avemo.tune import Tunable, TuneDir, StudyLock, toy_stage, tune_study, study_summary
from avemo.tracking import read_jsonl

SPACE = 'extends: demo\ntune.toy.toy_lr: [loguniform, 0.01, 0.3]\ntune.toy.toy_epochs: [int, 2, 4]\n'

def _main(tmp_path)->RunDir:
    "A main run for the stand-in stage: data.json and a profile with the search space."
    run = RunDir(tmp_path/'run'); run.path.mkdir(); write_json(run.data_file, dict(source='toy')); (run.path/'toy.yaml').write_text(SPACE)
    return run

def _tune(run_path, trials:int, **kw)->dict:
    return tune_study('toy', run_path, trials, str(Path(run_path)/'toy.yaml'), spec=Tunable(toy_stage, 'toy'), heartbeat=1, **kw)

def _worker(run_path:str, trials:int, out:str):
    "One tuning process (spawned); what it ran goes to `out`."
    r = _tune(run_path, trials, tracker='none')
    Path(out).write_text(json.dumps(dict(ran=r['ran'], done=r['done'])))

def _spawn(*args):
    p = mp.get_context('spawn').Process(target=_worker, args=args); p.start(); return p

def _trials(run:RunDir)->list:
    return optuna.load_study(study_name='toy', storage=TuneDir(run).storage('toy')).get_trials()

def _runs_of(run:RunDir, t)->int:
    "How many times a trial's stage ran: its run directory's `params` records."
    return len(read_jsonl(run.path/t.user_attrs['run_dir']/'metrics.jsonl', 'params'))

def test_two_workers_share_one_study(tmp_path):
    run = _main(tmp_path)
    ps = [_spawn(str(run.path), 8, str(tmp_path/f'w{i}.json')) for i in range(2)]
    for p in ps: p.join(180)
    assert [p.exitcode for p in ps] == [0, 0]
    ran = [read_json(tmp_path/f'w{i}.json')['ran'] for i in range(2)]
    ts = _trials(run)
    assert sum(ran) == 8 and min(ran) >= 1, ran                                   # both workers ran trials, 8 in all
    assert sorted(t.number for t in ts) == list(range(8))                        # no trial beyond the 8 asked for
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in ts)
    assert [_runs_of(run, t) for t in ts] == [1] * 8                              # each trial ran exactly once
    assert TuneDir(run).best_profile('toy').exists() and TuneDir(run).figure('toy', 'importances').exists()

def _wait_for_running(run:RunDir, finished:int, timeout:float=120.)->optuna.trial.FrozenTrial:
    "Poll the study until `finished` trials are done and another one runs with its parameters drawn."
    storage, end = TuneDir(run).storage('toy'), time.time() + timeout
    while time.time() < end:
        try:
            with StudyLock(storage, 'toy'): ts = optuna.load_study(study_name='toy', storage=storage).get_trials(deepcopy=False)   # as a worker opens it
        except Exception: ts = []                                                # the study is not there yet
        running = [t for t in ts if t.state == TrialState.RUNNING and t.params]
        if sum(t.state.is_finished() for t in ts) >= finished and running: return running[0]
        time.sleep(0.05)
    raise TimeoutError('the worker did not get that far')

def test_killed_worker_resumes(tmp_path):
    run = _main(tmp_path)
    p = _spawn(str(run.path), 6, str(tmp_path/'w.json'))
    _wait_for_running(run, 2)
    os.kill(p.pid, signal.SIGKILL); p.join(30)
    assert p.exitcode == -signal.SIGKILL
    stale = [t for t in _trials(run) if t.state == TrialState.RUNNING]            # the trial the kill interrupted, read after the kill:
    assert len(stale) == 1; killed = stale[0]                                     # the one seen running may have finished just before it
    r = _tune(str(run.path), 6, tracker='none')                                   # the same command again
    assert r['done'] == 6
    ts = {t.number: t for t in _trials(run)}
    assert ts[killed.number].state == TrialState.FAIL                             # the killed trial went stale and failed,
    retry = [t for t in ts.values() if t.system_attrs.get('failed_trial') == killed.number]
    assert len(retry) == 1 and (retry[0].params == killed.params or not killed.params)   # and ran again with its parameters (if drawn)
    assert retry[0].state in (TrialState.COMPLETE, TrialState.PRUNED)
    done = [t for t in ts.values() if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(done) == 6 and all(_runs_of(run, t) == 1 for t in done)
    assert TuneDir(run).best_profile('toy').exists()

def test_no_comet_key_anywhere(tmp_path, monkeypatch, capfd, caplog):
    "With a Comet key set, the trials log to Comet online (the network is blocked here): the key is in no file, log line, page or profile."
    key = 'avemo-sentinel-key-7f3c9e1a2b4d'
    monkeypatch.setenv('COMET_API_KEY', key)
    for k in ('HTTP_SESSION_RETRY_TOTAL', 'GET_OR_ADD_EXPERIMENT_RETRY_TOTAL', 'GET_OR_ADD_EXPERIMENT_RETRY_CONNECT'):
        monkeypatch.setenv(f'COMET_{k}', '0')                                     # fail fast without a network
    def blocked(*a, **k): raise OSError('network blocked by test')
    for obj, name in ((socket.socket, 'connect'), (socket, 'getaddrinfo'), (socket, 'create_connection')): monkeypatch.setattr(obj, name, blocked)
    run = _main(tmp_path)
    r = _tune(str(run.path), 2, tracker='comet')
    assert r['done'] == 2
    df, *figs = study_summary(TuneDir(run).storage('toy'), 'toy')
    out, err = capfd.readouterr()
    assert 'comet.com' in err + caplog.text                                        # the trials did try to reach Comet online
    for where, text in dict(stdout=out, stderr=err, logging=caplog.text, page=df.to_csv(), profile=Path(r['profile']).read_text()).items():
        assert key not in text, where
    leaked = [str(f) for f in run.path.rglob('*') if f.is_file() and key.encode() in f.read_bytes()]
    assert not leaked, leaked
