"""Face detectors compared (issue 15: seed 003 uses FaceNet's MTCNN; avemo uses OpenCV's Haar cascade): hit rates and time per frame.

Run: python bench/face_detectors.py reports/demo [--out bench/results/face_detectors.json]

Detectors, each with what ships inside its wheel (nothing is downloaded at run time):
- `haar`: OpenCV's frontal-face Haar cascade, `avemo.preprocess.face_boxes` (avemo's default, what training used);
- `dlib`: dlib's HOG + linear-SVM frontal face detector (`dlib.get_frontal_face_detector()`, from the `dlib-bin` wheel), through
  `face_boxes(detector='dlib')`, upsampled and size-limited as the Haar path is.
Not compared, and why (checked on 2026-12-02 with `pip download --no-deps`): `mediapipe` 1.2.3 ships no face model (its face
detector downloads one at run time) and needs opencv-contrib-python beside avemo's headless OpenCV; `mtcnn` 1.0.0 runs on TensorFlow;
`facenet-pytorch` 2.6.0 (MTCNN weights inside) requires torch < 2.3 and numpy < 2.

Frames:
- the demo corpus's RAVDESS videos, 5 frames per second (what `preprocess_ravdess` samples), and its IEMOCAP dialog videos, one
  frame per second, split into the two speakers' halves as `preprocess` splits them; these faces are drawn by avemo's generator;
- a real face photograph: scikit-image's `astronaut` (Eileen Collins, public domain, inside the scikit-image wheel), whole and under
  13 perturbations (scale 0.5 and 0.3, rotation ±10° and ±25°, blur, dark, bright, JPEG quality 20, noise, mirrored, grey).
Per detector and set: the share of frames with at least one face, the agreement of the two detectors' best boxes (IoU > 0.5 where
both found one), and the median time per frame (one thread).
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np, cv2
from avemo.preprocess import face_boxes, read_video_frames
from avemo.predict import box_iou
sys.path.insert(0, str(Path(__file__).parent)); from common import machine

def video_frames(run:Path, max_videos:int=60)->dict:
    "Frames of the demo corpus's videos: RAVDESS at 5 fps, IEMOCAP dialog halves at 1 fps."
    sets = dict(ravdess=[], iemocap=[])
    for p in sorted((run/'corpus/RAVDESS').rglob('01-*.mp4'))[:max_videos]:
        sets['ravdess'] += [f for _, f in read_video_frames(p, [(0., 1e9)], 5.)[0]]
    for p in sorted((run/'corpus/IEMOCAP_full_release').rglob('dialog/avi/DivX/*.avi')):
        for _, f in read_video_frames(p, [(0., 1e9)], 1.)[0]:
            W = f.shape[1]; sets['iemocap'] += [f[:, :W // 2], f[:, W // 2:]]
    return sets

def photo_set()->list:
    "scikit-image's astronaut photograph (RGB -> BGR) and 13 perturbations of it."
    from skimage import data
    img = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR); H, W = img.shape[:2]
    rot = lambda a: cv2.warpAffine(img, cv2.getRotationMatrix2D((W / 2, H / 2), a, 1.), (W, H), borderMode=cv2.BORDER_REFLECT)
    jpeg = cv2.imdecode(cv2.imencode('.jpg', img, [cv2.IMWRITE_JPEG_QUALITY, 20])[1], cv2.IMREAD_COLOR)
    noise = np.clip(img + np.random.default_rng(0).normal(0, 20, img.shape), 0, 255).astype(np.uint8)
    return [img, cv2.resize(img, None, fx=.5, fy=.5, interpolation=cv2.INTER_AREA), cv2.resize(img, None, fx=.3, fy=.3, interpolation=cv2.INTER_AREA),
            rot(10), rot(-10), rot(25), rot(-25), cv2.GaussianBlur(img, (0, 0), 3), (img * .35).astype(np.uint8),
            np.clip(img * 1.6 + 30, 0, 255).astype(np.uint8), jpeg, noise, img[:, ::-1].copy()] + [cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)]

def score(frames:list, detectors=('haar', 'dlib'))->dict:
    boxes, times = {d: [] for d in detectors}, {d: [] for d in detectors}
    for f in frames:
        for d in detectors:
            t = time.perf_counter(); b = face_boxes(f, detector=d); times[d].append(time.perf_counter() - t); boxes[d].append(b)
    both = [(a[0], b[0]) for a, b in zip(*boxes.values()) if len(a) and len(b)]
    return dict(frames=len(frames), **{d: dict(hit_rate=round(float(np.mean([len(b) > 0 for b in boxes[d]])), 4),
                                               median_ms=round(1e3 * float(np.median(times[d])), 2)) for d in detectors},
                both_found=len(both), boxes_agree_iou_0_5=round(float(np.mean([box_iou(a, b) > 0.5 for a, b in both])), 4) if both else None)

def main(run, out):
    cv2.setNumThreads(1); t0 = time.time()
    sets = {**video_frames(Path(run)), 'photo_astronaut': photo_set()}
    res = dict(command=' '.join(sys.argv), run=str(run), machine=machine(), opencv=cv2.__version__,
               dlib=__import__('dlib').__version__, sets={k: score(v) for k, v in sets.items()})
    res['seconds'] = round(time.time() - t0, 1)
    Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1)); print(json.dumps(res['sets'], indent=1))

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0]); a.add_argument('run')
    a.add_argument('--out', default='bench/results/face_detectors.json'); a = a.parse_args(); main(a.run, a.out)
