"""The embedded model on a large image: never below the coarse mask.

An 8000 x 6000 flat-coloured ellipse with a hole, coarse mask the truth
dilated by 20 px; ``mode='auto'`` with the embedded model must end at least
at the coarse IoU with a peak memory under 2.5 GB. Run in a fresh process so
the peak is this call's alone.
"""
import json
import subprocess
import sys

SCRIPT = r'''
import json, cv2, numpy as np
from segrefiner.apis import init_refiner, refine
from segrefiner.utils.profiling import peak_rss_mb
h, w = 6000, 8000
gt = np.zeros((h, w), np.uint8)
cv2.ellipse(gt, (w // 2, h // 2), (2600, 1800), 15, 0, 360, 1, -1)
cv2.ellipse(gt, (w // 2 + 300, h // 2), (500, 350), 0, 0, 360, 0, -1)
image = np.full((h, w, 3), (40, 60, 90), np.uint8)
image[gt == 1] = (200, 170, 60)
coarse = cv2.dilate(gt, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (41, 41)))
base = peak_rss_mb()
out = refine(init_refiner(), image, coarse, seed=0)
iou = lambda a, b: float((a & b).sum() / (a | b).sum())
print(json.dumps(dict(coarse=iou(coarse > 0, gt > 0), refined=iou(out, gt > 0),
                      peak_mb=peak_rss_mb(), base_mb=base)))
'''


def test_auto_mode_on_8000x6000_keeps_at_least_the_coarse_iou():
    done = subprocess.run([sys.executable, '-c', SCRIPT], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result['refined'] >= result['coarse'], result
    assert result['peak_mb'] < 2500, result
