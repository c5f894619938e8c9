"""Command line: `python -m loader load SOURCE`; it parses arguments and calls the pipeline."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time

import pymysql

from database_settings import InvalidSetting

from .errors import LoadError

STARTED = time.perf_counter()  # the inspect phase counts the pipeline's imports


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="onet-load", description="Stage an O*NET text release into MySQL.")
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="validate a release and swap it into the landing tables")
    load.add_argument(
        "source",
        nargs="?",
        default=os.environ.get("ONET_SOURCE") or None,
        help="a folder or .zip of O*NET's text release, or a release number such as 29.3 to download "
        "(default: $ONET_SOURCE, else a local copy in $ONET_LOCAL_DIRS, else the newest known release)",
    )
    load.add_argument("--release", help="the release number, when SOURCE's name does not say it (e.g. 29.3)")
    load.add_argument("--force", action="store_true", help="reload even if these exact files are already loaded")
    load.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .pipeline import run

    try:
        run(args.source, release=args.release, force=args.force, quiet=args.quiet, started=STARTED)
    except (LoadError, InvalidSetting) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except pymysql.MySQLError as exc:
        print(f"error: the database refused the load: {exc.args[-1]}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; the landing tables were not changed", file=sys.stderr)
        return 130
    finally:
        # The interpreter's last collections walk every object great-expectations made (about 1 s);
        # frozen objects are left out of them. Exit handlers (temporary folders) still run.
        gc.freeze()
    return 0
