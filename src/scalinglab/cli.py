"""`scalinglab` on the command line: fit a law, compare laws, list the laws.

    scalinglab fit table.csv --x D --y loss --law power_offset [--range LO HI] [--ci bootstrap] [--json]
    scalinglab compare table.csv --x D --y loss [--laws power power_offset] [--holdout 3]
    scalinglab laws

Errors print one line (``scalinglab: error: …``) and exit with status 2.

>>> main(["laws"])  # doctest: +ELLIPSIS
power ...
0
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

import pandas as pd

from scalinglab.errors import ScalingLabError


def _read(path: str) -> pd.DataFrame:
    sep = "\t" if path.lower().endswith((".tsv", ".tab")) else ","
    try:
        return pd.read_csv(path, sep=sep)
    except FileNotFoundError:
        raise ScalingLabError(f"no such file: {path}") from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        raise ScalingLabError(f"could not read {path} as CSV/TSV: {e}") from None


def _x(arg: str) -> str | list[str]:
    parts = [p for p in arg.split(",") if p]
    return parts[0] if len(parts) == 1 else parts


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scalinglab", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    f = sub.add_parser("fit", help="fit one law and print parameters, intervals and code")
    f.add_argument("table", help="CSV or TSV file")
    f.add_argument("--x", required=True, help="x column (comma-separated for several: N,D)")
    f.add_argument("--y", required=True, help="metric column")
    f.add_argument("--law", default="power_offset", help="law name (see `scalinglab laws`)")
    f.add_argument("--range", nargs=2, type=float, metavar=("LO", "HI"), help="fit range on x")
    f.add_argument("--loss", default="l2", choices=["l2", "huber", "asymmetric"])
    f.add_argument("--delta", type=float, default=1e-3, help="Huber threshold")
    f.add_argument("--space", default="log", choices=["log", "linear"])
    f.add_argument("--ci", default="bootstrap", choices=["bootstrap", "delta", "none"])
    f.add_argument("--n-boot", type=int, default=1000)
    f.add_argument("--level", type=float, default=0.95)
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--solve", type=float, metavar="TARGET", help="also solve for this target")
    f.add_argument("--json", action="store_true", help="print the fit as JSON instead")

    c = sub.add_parser("compare", help="rank laws by held-out error, AIC and BIC")
    c.add_argument("table")
    c.add_argument("--x", required=True)
    c.add_argument("--y", required=True)
    c.add_argument("--laws", nargs="+", help="laws to compare (default: a standard set)")
    c.add_argument("--holdout", type=int, default=None,
                   help="number of largest x values held out (default: the largest ~20%%)")
    c.add_argument("--loss", default="l2", choices=["l2", "huber", "asymmetric"])
    c.add_argument("--space", default="log", choices=["log", "linear"])

    sub.add_parser("laws", help="list the law families with their formulas")
    return p


def _fit(args: argparse.Namespace) -> None:
    from scalinglab.fitting.fit import fit

    res = fit(_read(args.table), x=_x(args.x), y=args.y, law=args.law,
              fit_range=tuple(args.range) if args.range else None, loss=args.loss,
              delta=args.delta, space=args.space, ci=None if args.ci == "none" else args.ci,
              n_boot=args.n_boot, level=args.level, seed=args.seed)
    if args.json:
        print(res.to_json())
        return
    print(f"{res.law.name}: {res.y} ~ {', '.join(res.x)}   n = {res.metrics['n']}, "
          f"rmsle = {res.metrics['rmsle']:.4g}, aic = {res.metrics['aic']:.4g}")
    print(res.param_ci().to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    for msg in res.warnings + res.notes:
        print(f"note: {msg}")
    if args.solve is not None:
        print(res.solve(args.solve))
    print()
    print(res.to_python())


def _compare(args: argparse.Namespace) -> None:
    from scalinglab.fitting.compare import DEFAULT_LAWS, compare

    cmp = compare(_read(args.table), x=_x(args.x), y=args.y,
                  laws=args.laws or list(DEFAULT_LAWS),
                  holdout="auto" if args.holdout is None else args.holdout, loss=args.loss,
                  space=args.space, ci=None)
    print(cmp.table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(cmp.message)
    for kind, fits in (("", cmp.results), ("held-out fit: ", cmp.holdout_results)):
        for name, res in fits.items():
            for msg in res.warnings:
                print(f"note: {kind}{msg}" if name in msg else f"note: {kind}{name}: {msg}")


def _laws() -> None:
    from scalinglab.laws import get_law, names

    for name in names():
        law = get_law(name)
        print(f"{name:22s} {', '.join(law.variables):8s} {law.formula}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``scalinglab`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # notes are printed by the commands themselves
            if args.cmd == "fit":
                _fit(args)
            elif args.cmd == "compare":
                _compare(args)
            else:
                _laws()
        sys.stdout.flush()
    except ScalingLabError as e:
        print(f"scalinglab: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader closed the pipe early (`scalinglab fit --json ... | head -1`): not an
        # error of ours. Point stdout at /dev/null so the flush at exit does not raise again
        # (the recipe of Python's signal module documentation).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
