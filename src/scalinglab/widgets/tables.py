"""Tables dropped or pasted into a widget: CSV/TSV text → a validated DataFrame.

The text comes from a user (a file dragged onto the widget, or cells copied from a
spreadsheet), so every problem raises a `ScalingLabError` that names the column, the line of
the file and the value, and says how to fix it. Numeric columns become floats; columns that
are mostly text stay text (series labels such as model names).

>>> df = read_table("D\\tloss\\tmodel\\n1e9\\t3.2\\tA\\n2e9\\t3.0\\tA\\n")
>>> df.dtypes.astype(str).tolist()
['float64', 'float64', 'object']
>>> read_table("N,loss\\n1e6,2.5\\n2e6,not-a-number\\n")
Traceback (most recent call last):
...
scalinglab.errors.ScalingLabError: column 'loss' holds numbers but line 3 has 'not-a-number': fix that cell or delete the row, then load the table again
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pandas as pd

from scalinglab.errors import ScalingLabError

MAX_BYTES = 20 * 1024 * 1024
DELIMITERS = ("\t", ",", ";", "|")


def sniff_delimiter(text: str, name: str = "") -> str:
    """The column separator: from the file extension (.tsv, .csv) or the first lines.

    >>> sniff_delimiter("a;b\\n1,5;2\\n")
    ';'
    >>> sniff_delimiter("a\\tb\\n1\\t2\\n")
    '\\t'
    """
    lower = name.lower()
    if lower.endswith(".tsv") or lower.endswith(".tab"):
        return "\t"
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    best, best_score = None, -1.0
    for d in DELIMITERS:
        counts = [len(next(csv.reader([ln], delimiter=d))) for ln in lines]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(c == counts[0] for c in counts) / len(counts)
        score = consistent * 100 + min(counts[0], 50)
        if score > best_score:
            best, best_score = d, score
    if best is None:
        if lower.endswith(".csv"):
            return ","
        raise ScalingLabError(
            "could not find columns in the table: give a header row and separate the columns "
            "with tabs (as a spreadsheet copies them), commas or semicolons"
        )
    return best


def _looks_binary(text: str) -> bool:
    """Text decoded from a binary file: NUL bytes, or many undecodable characters.

    >>> _looks_binary("a,b"), _looks_binary("PK" + chr(3) + chr(4) + chr(0) * 4)
    (False, True)
    """
    head = text[:4096]
    if "\x00" in head:
        return True
    odd = sum(ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n\r\f") for ch in head)
    return bool(head) and odd / len(head) > 0.05


def read_table(text: str, name: str = "") -> pd.DataFrame:
    """Parse CSV/TSV ``text`` (``name`` is the file name, if any) into a checked DataFrame."""
    if not isinstance(text, str):
        raise ScalingLabError(f"a table must arrive as text, not {type(text).__name__}")
    if len(text) > MAX_BYTES:
        raise ScalingLabError(
            f"the table is {len(text) / 1e6:.1f} MB; the widget accepts up to "
            f"{MAX_BYTES / 1e6:.0f} MB: load it with pandas and pass the DataFrame instead"
        )
    if _looks_binary(text):
        what = f"{name!r}" if name else "the dropped data"
        raise ScalingLabError(
            f"{what} is not a text table (it looks like a binary file, e.g. a spreadsheet "
            f"workbook or an archive): save it as CSV or TSV and drop that file"
        )
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ScalingLabError("the table is empty: drop a CSV/TSV file or paste cells with a header row")
    sep = sniff_delimiter(text, name)
    header = next(csv.reader([text.lstrip("\n").split("\n", 1)[0]], delimiter=sep))
    names = [h.strip() for h in header]
    for i, col in enumerate(names, start=1):
        if not col:
            raise ScalingLabError(
                f"column {i} has no name in the header row: give every column a name"
            )
    seen: set[str] = set()
    for col in names:
        if col in seen:
            raise ScalingLabError(
                f"the header names column {col!r} twice: rename one so each name is unique"
            )
        seen.add(col)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True,
            skip_blank_lines=True, header=0, names=names, index_col=False,
        )
    except (pd.errors.ParserError, ValueError) as e:
        raise ScalingLabError(f"could not read the table: {e}. Check that every row has "
                              f"{len(names)} cells separated by {_sep_name(sep)}") from None
    if len(frame) < 2:
        raise ScalingLabError(
            f"the table has {len(frame)} data row(s); fitting needs several: add rows below the "
            "header"
        )
    out = {}
    for col in names:
        out[col] = _column(frame[col], col, sep)
    result = pd.DataFrame(out)
    numeric = [c for c in names if pd.api.types.is_float_dtype(result[c])]
    if len(numeric) < 2:
        raise ScalingLabError(
            f"the table needs at least two numeric columns (an x such as model size and a y "
            f"such as loss); numeric: {numeric or 'none'}, all columns: {names}"
        )
    return result


_MISSING = {"", "na", "nan", "n/a", "null", "none", "-", "?"}


def _column(raw: pd.Series, col: str, sep: str) -> pd.Series:
    """Numbers → float64 (missing cells → NaN); a text column stays text; a numeric column
    with a stray word is an error naming the line."""
    values = raw.astype(str).str.strip()
    missing = values.str.lower().isin(_MISSING)
    parsed = pd.to_numeric(values.where(~missing), errors="coerce")
    if sep != "," and values.str.contains(",", regex=False).any():
        # decimal commas (1,5) in semicolon- or tab-separated European exports
        alt = pd.to_numeric(values.where(~missing).str.replace(",", ".", regex=False),
                            errors="coerce")
        if alt.notna().sum() > parsed.notna().sum():
            parsed = alt
    bad = parsed.isna() & ~missing
    n_num = int(parsed.notna().sum())
    if n_num == 0:
        return values.where(~missing, None).astype(object)
    if bad.any():
        if n_num >= int(bad.sum()):
            first = int(np.flatnonzero(bad.to_numpy())[0])
            raise ScalingLabError(
                f"column {col!r} holds numbers but line {first + 2} has "
                f"{values.iloc[first]!r}: fix that cell or delete the row, then load the table "
                "again"
            )
        return values.where(~missing, None).astype(object)
    out = parsed.astype(float)
    inf = ~np.isfinite(out.to_numpy()) & out.notna().to_numpy()
    if inf.any():
        first = int(np.flatnonzero(inf)[0])
        raise ScalingLabError(
            f"column {col!r} has an infinite value on line {first + 2}: replace it with a number"
        )
    return out


def _sep_name(sep: str) -> str:
    return {"\t": "tabs", ",": "commas", ";": "semicolons", "|": "pipes"}.get(sep, repr(sep))


def numeric_columns(frame: pd.DataFrame) -> list[str]:
    """Names of the columns that hold numbers."""
    return [str(c) for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c])]


def guess_xy(frame: pd.DataFrame) -> tuple[str, str]:
    """A sensible (x, y) for a new table: y is a loss/error/accuracy-like column (else the
    last numeric one), x the numeric column spanning the most orders of magnitude.

    >>> guess_xy(pd.DataFrame({"loss": [3.0, 2.5], "N": [1e6, 1e8], "lr": [1e-3, 1e-3]}))
    ('N', 'loss')
    """
    num = numeric_columns(frame)
    if len(num) < 2:
        raise ScalingLabError(
            f"the table needs at least two numeric columns; numeric: {num or 'none'}"
        )
    words = ("loss", "error", "err", "perplexity", "ppl", "acc", "auc", "score", "bleu", "metric")
    y = next((c for w in words for c in num if w in c.lower()), num[-1])

    def spread(c: str) -> float:
        v = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float)
        v = v[np.isfinite(v) & (v > 0)]
        if v.size < 2:
            return -math.inf
        return float(np.log10(v.max()) - np.log10(v.min())) + (0.5 if v.size == len(frame) else 0)

    x = max((c for c in num if c != y), key=spread)
    return x, y
