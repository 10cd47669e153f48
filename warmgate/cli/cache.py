"""`warmgate cache info | prune`: the content-addressed generation cache."""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from warmgate.errors import WarmgateError


def _open(args: argparse.Namespace):
    """The cache a run would use: --cache, else WARMGATE_GENERATION_CACHE, else [tool.warmgate]."""
    from warmgate.cache import GenerationCache, resolve_dir
    from warmgate.run import read_settings

    path = args.config or Path("pyproject.toml")
    cfg = read_settings(path, {"cache": args.cache}, required=bool(args.config))
    where = f"{path} [tool.warmgate]" if path.is_file() else "command line"
    folder = resolve_dir(cfg.cache)
    folder = folder.resolve() if folder is not None else None
    if folder is None:
        raise WarmgateError(f"the generation cache is switched off ({where}: cache = 'off')")
    if not (folder / "generations.sqlite").exists():
        raise WarmgateError(f"no generation cache at {folder} (nothing generated yet, or give "
                            "--cache DIR)")
    return GenerationCache(folder)


def _when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else "-"


def _info(args: argparse.Namespace) -> int:
    info = _open(args).info()
    print(f"generation cache {info.path}")
    print(f"  {info.entries - info.judged} replies and {info.judged} judge verdicts, "
          f"{info.bytes / 1e6:.1f} MB on disk, oldest "
          f"{_when(info.oldest)}, newest {_when(info.newest)}")
    return 0


def _prune(args: argparse.Namespace) -> int:
    if args.older_than is not None and not (math.isfinite(args.older_than)
                                            and args.older_than >= 0):
        raise WarmgateError(f"--older-than must be a number of days >= 0, got "
                            f"{args.older_than:g} (a negative or nan age would delete "
                            "everything or nothing)")
    cache = _open(args)
    removed = cache.prune(older_than_days=args.older_than, everything=args.all)
    info = cache.info()
    print(f"removed {removed} entries (replies and judge verdicts); {info.entries} left, "
          f"{info.bytes / 1e6:.1f} MB")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """`warmgate cache ...`."""
    p = sub.add_parser("cache", help="the generation cache: info, prune",
                       description="The content-addressed generation cache (replies keyed by "
                       "weights fingerprints, backend, decoding and exact prompt).")
    csub = p.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    i = csub.add_parser("info", help="entries, size and age of the cache",
                        description="Entries, size on disk and age range of the cache.")
    i.add_argument("--cache", metavar="DIR", help="cache folder (default: the run's: "
                   "WARMGATE_GENERATION_CACHE, else [tool.warmgate] cache, else <cache root>/generations)")
    i.add_argument("--config", type=Path, metavar="PYPROJECT", help="pyproject.toml to read")
    i.set_defaults(func=_info)
    r = csub.add_parser("prune", help="delete replies not used for DAYS days, or all",
                        description="Delete cached replies not used recently (or all of them).")
    r.add_argument("--cache", metavar="DIR", help="cache folder (default: the run's, as for info)")
    r.add_argument("--config", type=Path, metavar="PYPROJECT", help="pyproject.toml to read")
    g = r.add_mutually_exclusive_group(required=True)
    g.add_argument("--older-than", type=float, metavar="DAYS",
                   help="delete replies not used for this many days")
    g.add_argument("--all", action="store_true", help="delete every reply")
    r.set_defaults(func=_prune)
