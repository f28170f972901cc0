"""Golden outputs of PyWavelets' universal-threshold wavelet denoising for satori-preprocess's
denoise step (filter "wavelet").

For each seeded noisy signal (a sine plus a step with Gaussian noise; a random walk with a large
offset), of odd and even lengths:

    coeffs = pywt.wavedec(x, wavelet, mode=mode, level=level)   # level None: dwt_max_level
    sigma = np.median(np.abs(coeffs[-1])) / 0.6745               # finest details
    t = sigma * np.sqrt(2 * np.log(len(x)))
    coeffs[1:] = [pywt.threshold(c, t, mode=threshold) for c in coeffs[1:]]
    y = pywt.waverec(coeffs, wavelet, mode=mode)[:len(x)]

Cases cover haar and db2 ... db8, both modes ("symmetric", "periodization"), soft and hard
thresholding, the default (maximum) level and several explicit levels of db4. Each case records
satori's parameters (serde form), the input matrix (columns are signals for axis "rows"; rows are
signals for axis "columns") and the expected output. Writes expected.json next to this file;
crates/satori-preprocess/tests/denoise_golden.rs reads it. Run:

    /work/main/tests/golden/.venv/bin/python tests/golden/denoise_wavelet/generate.py
"""

import json
import platform
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pywt

SEED = 20261130
rng = np.random.default_rng(SEED)
CASES = []


def signals(n, k):
    t = np.linspace(0.0, 1.0, n)
    cols = []
    for j in range(k):
        if j % 2 == 0:
            s = np.sin(2 * np.pi * (3 + j) * t) + (t > 0.6) * 1.5 + 0.25 * rng.normal(size=n)
        else:
            s = 250.0 + np.cumsum(rng.normal(size=n))
        cols.append(s)
    return np.ascontiguousarray(np.stack(cols, axis=1))


def reference(params, x):
    w = params.get("wavelet", "db4")
    mode = params.get("mode", "symmetric")
    coeffs = pywt.wavedec(x, w, mode=mode, level=params.get("level"))
    sigma = np.median(np.abs(coeffs[-1])) / 0.6745
    t = sigma * np.sqrt(2 * np.log(len(x)))
    thr = params.get("threshold", "soft")
    coeffs[1:] = [pywt.threshold(c, t, mode=thr) for c in coeffs[1:]]
    return pywt.waverec(coeffs, w, mode=mode)[: len(x)]


def add(name, params, n, k=2, columns_too=False):
    x = signals(n, k)
    out = np.column_stack([reference(params, x[:, j].copy()) for j in range(k)])
    CASES.append({"name": f"{name}_rows", "params": dict(params, axis="rows"), "x": x.tolist(),
                  "expected": out.tolist()})
    if columns_too:
        xc = np.ascontiguousarray(signals(n, k).T)
        outc = np.stack([reference(params, xc[i].copy()) for i in range(k)])
        CASES.append({"name": f"{name}_columns", "params": dict(params, axis="columns"),
                      "x": xc.tolist(), "expected": outc.tolist()})


for w in ["haar", "db2", "db3", "db4", "db5", "db6", "db7", "db8"]:
    for mode in ["symmetric", "periodization"]:
        for thr in ["soft", "hard"]:
            for n in [64, 101]:
                add(f"{w}_{mode}_{thr}_n{n}",
                    {"filter": "wavelet", "wavelet": w, "mode": mode, "threshold": thr}, n,
                    columns_too=(n == 101 and thr == "soft"))
for mode in ["symmetric", "periodization"]:
    for thr in ["soft", "hard"]:
        for level in [1, 2, 3, 4, 5]:
            for n in [257 if level % 2 else 300]:
                add(f"db4_level{level}_{mode}_{thr}_n{n}",
                    {"filter": "wavelet", "wavelet": "db4", "level": level, "mode": mode,
                     "threshold": thr}, n)
# short signals: the smallest lengths with one level, and odd lengths at every level
# (one level needs n >= 2 (F - 1): dwt_max_level >= 1)
for w, n in [("haar", 2), ("haar", 3), ("db2", 6), ("db2", 7), ("db4", 14), ("db4", 15), ("db8", 30),
             ("db8", 31)]:
    for mode in ["symmetric", "periodization"]:
        add(f"{w}_short_{mode}_n{n}", {"filter": "wavelet", "wavelet": w, "mode": mode}, n)
add("default_db4", {"filter": "wavelet"}, 129, columns_too=True)

out = {
    "generator": "tests/golden/denoise_wavelet/generate.py",
    "seed": SEED,
    "versions": {
        "PyWavelets": version("PyWavelets"),
        "pywt.__version__": pywt.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    },
    "cases": CASES,
}
path = Path(__file__).with_name("expected.json")
path.write_text(json.dumps(out, allow_nan=False) + "\n")
print(f"wrote {len(CASES)} cases to {path}")
