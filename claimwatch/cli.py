"""`claimwatch`: the one front door for people.

The commands live in modules beside the tools they run (`stack_cli`, `ops_cli`,
`delivery_cli`, `eval_cli`, `bench_cli`, `chaos_cli`); this module only assembles them
and turns a user's mistake into one line and exit code 2 (`main`).

Every command that needs Redis uses REDIS_URL when it is set; `run`, `demo` and `eval`
otherwise start an embedded Redis of their own and stop it when they finish.
"""

from __future__ import annotations

import sys

import redis
import typer

from claimwatch import (
    bench_cli,
    chaos_cli,
    delivery_cli,
    eval_cli,
    ops_cli,
    sources_cli,
    stack_cli,
)
from claimwatch.console import UserError, quiet_logging
from shared.settings import SettingMissing

app = typer.Typer(
    help=(
        "claimwatch: alerts when a news report contradicts an earlier one.\n\n"
        "Start here: `claimwatch demo` runs the whole pipeline on the bundled sample feed "
        "and prints the alerts; `claimwatch run` does the same and keeps monitoring."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _quiet() -> None:
    quiet_logging()


for module in (stack_cli, sources_cli, ops_cli, delivery_cli, eval_cli, bench_cli, chaos_cli):
    module.register(app)


def main() -> None:
    """The console script: user errors are one line and exit code 2, never a traceback."""
    try:
        app()
    except (UserError, SettingMissing) as exc:
        print(f"claimwatch: {exc}", file=sys.stderr)
        sys.exit(2)
    except redis.ConnectionError as exc:
        # Redis went away mid-command (connect() checks it up front).
        print(f"claimwatch: lost the connection to Redis: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
