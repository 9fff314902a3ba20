"""The streaming latency bench (bench/inference.py's stream_bench, 40 ms hop) with an earlier checkout of avemo, for a before/after on one machine.

Run: git worktree add /tmp/old <commit>; cd /tmp && PYTHONPATH=/tmp/old python /path/to/bench/stream_previous.py /path/to/run (from outside the repository, so that the worktree's avemo is imported)."""
import sys, json, tempfile, torch
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent)); torch.set_num_threads(1)
import avemo; print('avemo from', avemo.__file__, file=sys.stderr)
from inference import stream_bench, predictor
from avemo.synth import write_clip
pred, models = predictor(sys.argv[1])
clip = write_clip(Path(tempfile.mkdtemp())/'clip.mp4', 6, faces=1, seed=1, fps=25)
print(json.dumps(stream_bench(pred, clip)))
