"""The peer of `satori serve` in bench/bench_serve.py: FastAPI + uvicorn around LightGBM.

Written as a careful engineer would: the booster is loaded once per worker process; each
request's rows become one float64 array in the model's column order, categories mapped to the
codes LightGBM was trained with (the sorted category lists of bench/data/real_flights.meta.json,
missing or unseen = NaN), with no DataFrame per request; `async` endpoints; stdlib `json`.

    PEER_MODEL=model.txt PEER_META=meta.json uvicorn app:app --app-dir bench/serve_peer --workers 2

- `POST /predict` `{"rows": [{column: value, ...}, ...]}` → `{"predictions", "probabilities",
  "classes"}` (as `satori serve`'s `/predict`);
- `POST /v2/models/flights/infer` with one tensor per column (Open Inference Protocol v2) →
  `predict` and `probabilities` outputs;
- `GET /health`.
"""

import json
import math
import os

import lightgbm
import numpy as np
from fastapi import FastAPI, Request, Response

with open(os.environ["PEER_META"]) as fh:
    _META = json.load(fh)
COLUMNS = [c["name"] for c in _META["columns"]]
INDEX = {name: j for j, name in enumerate(COLUMNS)}
CODES = [
    None if c["categories"] is None else {v: float(k) for k, v in enumerate(c["categories"])}
    for c in _META["columns"]
]
BOOSTER = lightgbm.Booster(model_file=os.environ["PEER_MODEL"])
CLASSES = ["0", "1"]

app = FastAPI()


def _cell(j: int, v) -> float:
    if v is None:
        return math.nan
    codes = CODES[j]
    if codes is not None:
        return codes.get(str(v), math.nan)
    return float(v)


def _answer(x: np.ndarray) -> tuple[list, list]:
    p1 = BOOSTER.predict(x, num_threads=1)
    proba = [[1.0 - float(p), float(p)] for p in p1]
    labels = [CLASSES[int(p > 0.5)] for p in p1]
    return labels, proba


@app.get("/health")
async def health():
    return {"ready": True}


@app.post("/predict")
async def predict(request: Request):
    rows = json.loads(await request.body())["rows"]
    x = np.full((len(rows), len(COLUMNS)), np.nan)
    for i, row in enumerate(rows):
        for k, v in row.items():
            j = INDEX.get(k)
            if j is not None:
                x[i, j] = _cell(j, v)
    labels, proba = _answer(x)
    body = {"model": "flights", "predictions": labels, "probabilities": proba, "classes": CLASSES}
    return Response(json.dumps(body), media_type="application/json")


@app.post("/v2/models/flights/infer")
async def infer(request: Request):
    inputs = json.loads(await request.body())["inputs"]
    n = inputs[0]["shape"][0]
    x = np.full((n, len(COLUMNS)), np.nan)
    for t in inputs:
        j = INDEX.get(t["name"])
        if j is not None:
            for i, v in enumerate(t["data"]):
                x[i, j] = _cell(j, v)
    labels, proba = _answer(x)
    body = {
        "model_name": "flights",
        "outputs": [
            {"name": "predict", "datatype": "BYTES", "shape": [n], "data": labels},
            {"name": "probabilities", "datatype": "FP64", "shape": [n, 2],
             "data": [v for p in proba for v in p]},
        ],
    }
    return Response(json.dumps(body), media_type="application/json")
