"""Golden outputs of SciPy's and NumPy's noise filters for satori-preprocess's denoise step.

Seeded noisy signals (a sine with Gaussian noise and spikes, a random walk with a large offset,
repeated values for ties), of odd and even lengths down to the window length itself, filtered by

- median:          scipy.ndimage.median_filter(x, size=window, mode=mode) for the ndimage modes,
                   and scipy.signal.medfilt(x, window) for satori's mode "constant";
- moving_average:  scipy.ndimage.uniform_filter1d(x, size=window, mode=mode);
- savgol:          scipy.signal.savgol_filter(x, window_length, polyorder, mode=mode);
- fft_lowpass:     X = numpy.fft.rfft(x); X[numpy.fft.rfftfreq(n) > cutoff / 2] = 0;
                   numpy.fft.irfft(X, n).

Each case records satori's parameters (serde form), the input matrix (each column a signal for
axis "rows"; each row a signal for axis "columns", with one pass-through column), and the
expected output. Writes expected.json next to this file; crates/satori-preprocess/tests/
denoise_golden.rs reads it. Run:

    /work/main/tests/golden/.venv/bin/python tests/golden/denoise_filters/generate.py
"""

import json
import platform
from pathlib import Path

import numpy as np
import scipy
from scipy import ndimage, signal

SEED = 20261129
rng = np.random.default_rng(SEED)
CASES = []


def signals(n, k):
    """k noisy signals of length n, as the columns of an n x k matrix."""
    t = np.linspace(0.0, 4.0 * np.pi, n)
    cols = []
    for j in range(k):
        kind = j % 3
        if kind == 0:
            s = np.sin(t * (1 + j)) + 0.3 * rng.normal(size=n)
            spikes = rng.random(n) < 0.05
            s[spikes] += rng.normal(size=spikes.sum()) * 5.0
        elif kind == 1:
            s = 1000.0 + np.cumsum(rng.normal(size=n))
        else:
            s = np.round(rng.normal(size=n) * 2.0) / 2.0  # ties
        cols.append(s)
    return np.ascontiguousarray(np.stack(cols, axis=1))


def reference(params, x1):
    f = params["filter"]
    if f == "median":
        mode = params.get("mode", "reflect")
        w = params.get("window", 3)
        if mode == "constant":
            return signal.medfilt(x1, w)
        return ndimage.median_filter(x1, size=w, mode=mode)
    if f == "moving_average":
        return ndimage.uniform_filter1d(x1, size=params.get("window", 3), mode=params.get("mode", "reflect"))
    if f == "savgol":
        return signal.savgol_filter(
            x1, params["window_length"], params["polyorder"], mode=params.get("mode", "interp")
        )
    if f == "fft_lowpass":
        n = len(x1)
        spec = np.fft.rfft(x1)
        spec[np.fft.rfftfreq(n) > params["cutoff"] / 2] = 0
        return np.fft.irfft(spec, n)
    raise ValueError(f)


def add(name, params, n, k=3):
    """Axis rows on an n x k matrix, and axis columns on a k x (n + 1) matrix whose first column
    passes through."""
    x = signals(n, k)
    out = np.column_stack([reference(params, x[:, j].copy()) for j in range(k)])
    CASES.append({"name": f"{name}_rows", "params": dict(params, axis="rows"), "x": x.tolist(),
                  "expected": out.tolist()})
    xc = np.ascontiguousarray(signals(n, k).T)
    xc = np.column_stack([np.arange(k, dtype=float), xc])
    outc = xc.copy()
    for i in range(xc.shape[0]):
        outc[i, 1:] = reference(params, xc[i, 1:].copy())
    cols = [f"c{j}" for j in range(1, n + 1)]
    CASES.append({"name": f"{name}_columns", "params": dict(params, axis="columns", columns=cols),
                  "x": xc.tolist(), "expected": outc.tolist()})


for n in [5, 8, 57]:
    for w in [1, 3, 5]:
        for mode in ["reflect", "mirror", "nearest", "wrap", "constant"]:
            if w <= n:
                add(f"median_n{n}_w{w}_{mode}", {"filter": "median", "window": w, "mode": mode}, n)
    for w in [2, 3, 4, 5, 8]:
        for mode in ["reflect", "mirror", "nearest", "wrap", "constant"]:
            if w <= n:
                add(f"moving_average_n{n}_w{w}_{mode}",
                    {"filter": "moving_average", "window": w, "mode": mode}, n)
add("median_default", {"filter": "median"}, 31)
add("median_w21", {"filter": "median", "window": 21, "mode": "reflect"}, 101)
add("moving_average_w31", {"filter": "moving_average", "window": 31, "mode": "reflect"}, 301)

for n in [5, 9, 64, 151]:
    for wl, po in [(5, 2), (5, 0), (7, 3), (9, 4), (21, 5), (51, 3)]:
        if wl > n or (n == 151 and wl < 21) or (n == 64 and wl > 21):
            continue
        for mode in ["interp", "mirror", "nearest", "wrap", "constant"]:
            add(f"savgol_n{n}_w{wl}_p{po}_{mode}",
                {"filter": "savgol", "window_length": wl, "polyorder": po, "mode": mode}, n)

for n in [1, 2, 7, 64, 101, 256]:
    for cutoff in [0.05, 0.2, 1.0]:
        add(f"fft_n{n}_c{cutoff}", {"filter": "fft_lowpass", "cutoff": cutoff}, n)
# cutoffs on bin edges: freq k/n = cutoff/2 exactly is kept
add("fft_edge_n10_c0.4", {"filter": "fft_lowpass", "cutoff": 0.4}, 10)
add("fft_edge_n8_c0.5", {"filter": "fft_lowpass", "cutoff": 0.5}, 8)

out = {
    "generator": "tests/golden/denoise_filters/generate.py",
    "seed": SEED,
    "versions": {
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "python": platform.python_version(),
    },
    "cases": CASES,
}
path = Path(__file__).with_name("expected.json")
path.write_text(json.dumps(out, allow_nan=False) + "\n")
print(f"wrote {len(CASES)} cases to {path}")
