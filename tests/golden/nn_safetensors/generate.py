"""Golden check that satori's exported network weights load into PyTorch and give its outputs.

The *.safetensors files next to this script are written by satori
(`SATORI_WRITE_GOLDEN_WEIGHTS=1 cargo test -p satori-nn --test golden_safetensors`). For each,
this script builds the equivalent PyTorch module from the file's metadata

    trunk = nn.Sequential(Linear, [BatchNorm1d], Act, Linear, [BatchNorm1d], Act, ...)
    heads = nn.ModuleList([Linear, ...])

loads the tensors with `load_state_dict(..., strict=True)` (so every name and shape must match
PyTorch's own), and records its outputs in eval mode on seeded float32 inputs. Writes
expected.json; crates/satori-nn/tests/golden_safetensors.rs compares satori's forward pass to it
within 1e-5.

Needs PyTorch, which is in bench/.venv, not in tests/golden/.venv: run it with
    bench/.venv/bin/python tests/golden/nn_safetensors/generate.py
The `safetensors` Python package is not installed there, so the file is read with a few lines
that follow the format's specification (8-byte little-endian header length, JSON header,
little-endian data); `safetensors.torch.load_file(path)` returns the same dictionary.
"""

import json
import platform
from pathlib import Path

import numpy as np
import torch
from torch import nn

SEED = 6106
HERE = Path(__file__).resolve().parent
ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "logistic": nn.Sigmoid}


def load_file(path):
    """The tensors and metadata of a safetensors file (float32 tensors only)."""
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n :]
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", (name, info["dtype"])
        a, b = info["data_offsets"]
        arr = np.frombuffer(data[a:b], dtype="<f4").reshape(info["shape"])
        tensors[name] = torch.from_numpy(arr.copy())
    return tensors, meta


def sizes(s):
    return [int(v) for v in s.split(",")] if s else []


class Net(nn.Module):
    def __init__(self, meta):
        super().__init__()
        act = ACTIVATIONS[meta["activation"]]
        eps = float(meta["batch_norm_eps"])
        layers, width = [], int(meta["n_inputs"])
        for h in sizes(meta["hidden_layer_sizes"]):
            layers.append(nn.Linear(width, h))
            if meta["batch_norm"] == "true":
                layers.append(nn.BatchNorm1d(h, eps=eps))
            layers.append(act())
            width = h
        self.trunk = nn.Sequential(*layers)
        self.heads = nn.ModuleList([nn.Linear(width, k) for k in sizes(meta["head_sizes"])])

    def forward(self, x):
        h = self.trunk(x)
        return [head(h) for head in self.heads]


def main():
    rng = np.random.default_rng(SEED)
    cases = {}
    for path in sorted(HERE.glob("*.safetensors")):
        tensors, meta = load_file(path)
        model = Net(meta)
        model.load_state_dict(tensors, strict=True)
        model.eval()
        x = rng.normal(size=(16, int(meta["n_inputs"]))).astype(np.float32) * 1.5
        with torch.no_grad():
            (out,) = model(torch.from_numpy(x))
        cases[path.stem] = {
            "file": path.name,
            "torch_modules": str(model).splitlines(),
            "n_tensors": len(tensors),
            "x": [[float(v) for v in row] for row in x],
            "output": [[float(v) for v in row] for row in out.numpy()],
        }
    out = {
        "seed": SEED,
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "torch": torch.__version__,
        },
        "cases": cases,
    }
    (HERE / "expected.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
