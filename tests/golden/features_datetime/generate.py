"""Golden outputs of pandas' datetime accessors for crates/satori-features/tests/datetime.rs.

Epoch seconds (UTC) covering: the epoch, fractional and negative (pre-1970) seconds, leap days
(2000-02-29, 2024-02-29), a non-leap century (1900-03-01), 2100-12-31, year and month boundaries,
every weekday, random instants between 1700 and 2250, and missing values (NaN). For each:
pd.to_datetime(seconds, unit="s", utc=True).dt.{year, month, day, day_of_week, day_of_year, hour,
minute, second}, with NaN for NaT. The cyclical sin/cos columns are numpy's sin/cos of
2*pi*(month-1)/12, 2*pi*dayofweek/7 and 2*pi*hour/24 (satori's documented definition).

Writes expected.json next to this file. Run it with tests/golden/regenerate.sh features_datetime.
"""

import json
import platform
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 777


def main():
    rng = np.random.default_rng(SEED)
    fixed = [
        0.0, 0.25, -0.5, -1.0, 59.999, 86399.0, 86400.0, -86400.0, -86401.0,
        951782400.0, 951868799.0, 1709214330.0, -2203891200.0, 4133980799.0,
        946684799.0, 946684800.0, 1704067199.5, 1704067200.0, -2208988800.0,
    ]
    # A week of days at 13:00, starting on a Monday (2024-01-01).
    fixed += [1704067200.0 + d * 86400 + 13 * 3600 for d in range(7)]
    lo = pd.Timestamp("1700-01-01", tz="UTC").timestamp()
    hi = pd.Timestamp("2250-01-01", tz="UTC").timestamp()
    randoms = list(rng.uniform(lo, hi, size=40).round(3))
    seconds = np.array(fixed + randoms + [np.nan, np.nan], dtype=np.float64)
    ts = pd.to_datetime(pd.Series(seconds), unit="s", utc=True)

    def col(s):
        return [None if pd.isna(v) else float(v) for v in s]

    dow = ts.dt.day_of_week
    out = {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "seconds": [None if np.isnan(v) else float(v) for v in seconds],
        "year": col(ts.dt.year),
        "month": col(ts.dt.month),
        "day": col(ts.dt.day),
        "day_of_week": col(dow),
        "day_of_year": col(ts.dt.day_of_year),
        "hour": col(ts.dt.hour),
        "minute": col(ts.dt.minute),
        "second": col(ts.dt.second),
        "is_weekend": col((dow >= 5).astype(float).where(dow.notna())),
        "month_sin": col(np.sin(2 * np.pi * (ts.dt.month - 1) / 12)),
        "month_cos": col(np.cos(2 * np.pi * (ts.dt.month - 1) / 12)),
        "day_of_week_sin": col(np.sin(2 * np.pi * dow / 7)),
        "day_of_week_cos": col(np.cos(2 * np.pi * dow / 7)),
        "hour_sin": col(np.sin(2 * np.pi * ts.dt.hour / 24)),
        "hour_cos": col(np.cos(2 * np.pi * ts.dt.hour / 24)),
    }
    path = Path(__file__).with_name("expected.json")
    path.write_text(json.dumps(out, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
