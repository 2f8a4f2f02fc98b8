"""The `claimwatch` console script: `health` (a healthcheck every container runs every few
seconds) is answered by claimwatch/probe.py without importing the rest of the CLI, which
costs seconds of CPU; every other command goes to claimwatch/cli.py."""

from __future__ import annotations

import sys


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["health"] and not {"--help", "-h"} & set(args):
        from claimwatch.probe import main as probe

        sys.exit(probe(args[1:]))
    from claimwatch.cli import main as cli

    cli()
