"""Golden check that ONNX Runtime reproduces satori's predictions from its exported models.

1. `SATORI_WRITE_GOLDEN_ONNX=1 cargo test -p satori-onnx --test golden` trains each case of
   crates/satori-onnx/tests/golden.rs on a bundled data set and writes the exported model
   next to this script (<case>.onnx); this script runs that command first.
2. For each <case>.onnx, this script checks the model with onnx.checker, feeds it the rows of
   the case's data file the way docs/onnx.md says a user should (one [N, 1] tensor per input
   column: float64 for numbers, strings for categories with "" for a missing value), and records
   ONNX Runtime's outputs in expected.json.

The Rust test then asserts that its export is byte for byte the committed .onnx file and that
satori's predictions equal these (labels exactly, probabilities within 1e-5, values within 1e-5
relative).
"""

import json
import platform
import re
import subprocess
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
TEST = ROOT / "crates" / "satori-onnx" / "tests" / "golden.rs"


def cases():
    """(case, data file) pairs, read from the Rust test's CASES table."""
    text = TEST.read_text()
    return re.findall(r'\(\s*"([a-z0-9_]+)",\s*"([a-z_]+\.csv)"', text)


def inputs(sess, df):
    feed = {}
    for i in sess.get_inputs():
        col = df[i.name]
        if i.type == "tensor(string)":
            feed[i.name] = col.fillna("").astype(str).to_numpy().reshape(-1, 1)
        elif i.type == "tensor(double)":
            feed[i.name] = col.astype("float64").to_numpy().reshape(-1, 1)
        else:
            raise ValueError(f"unexpected input type {i.type} for {i.name}")
    return feed


def main():
    subprocess.run(
        ["cargo", "test", "--workspace", "--test", "golden", "--", "onnx_runtime_reproduces"],
        cwd=ROOT,
        check=True,
        env={**__import__("os").environ, "SATORI_WRITE_GOLDEN_ONNX": "1"},
    )
    out = {}
    for case, data in cases():
        path = HERE / f"{case}.onnx"
        onnx.checker.check_model(onnx.load(path), full_check=True)
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        df = pd.read_csv(ROOT / "data" / data)
        names = [o.name for o in sess.get_outputs()]
        res = dict(zip(names, sess.run(None, inputs(sess, df))))
        if "probabilities" in res:
            out[case] = {
                "label": [str(v) for v in res["label"]],
                "probabilities": np.asarray(res["probabilities"], dtype=np.float64).tolist(),
            }
        else:
            out[case] = {
                "variable": np.asarray(res["variable"], dtype=np.float64).ravel().tolist()
            }
        print(f"{case}: {len(df)} rows, outputs {names}")
    expected = {
        "generator": "tests/golden/onnx/generate.py",
        "versions": {
            "python": platform.python_version(),
            "onnxruntime": ort.__version__,
            "onnx": onnx.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "cases": out,
    }
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main()
