"""`claimwatch eval`, `el-eval`, `explain` and `readout`: how well detection works, and why
it said what it said (claimwatch/evaluation.py, el_eval.py, explain.py, readout.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from claimwatch.console import UserError, console, load_settings, readable_file, redis_for
from claimwatch.el_eval import DEFAULT_SET, evaluate, format_report
from claimwatch.evaluation import print_report, run_eval, summary
from claimwatch.explain import ExplainInputError, as_json_line, parse_articles, render
from claimwatch.explain import explain as run_explain
from claimwatch.readout import readout as run_readout
from claimwatch.scoring import load_scenarios

JsonSummary = Annotated[bool, typer.Option("--json", help="End with one JSON summary line")]


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_)
    app.command("el-eval")(el_eval)
    app.command()(explain)
    app.command()(readout)


def eval_(
    scenarios: Annotated[Path, typer.Argument(help="Scenario file (JSON lines, see README)")],
    as_json: JsonSummary = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the pipeline")] = 600.0,
) -> None:
    """Run labelled contradiction scenarios through the real pipeline and score them."""
    readable_file(scenarios)
    settings = load_settings()
    with redis_for(settings) as url:
        result = run_eval(scenarios, url, timeout)
    print_report(result, load_scenarios(scenarios), console)
    if as_json:
        print(summary(result))
    if result["unprocessed_articles"]:
        raise typer.Exit(1)


def el_eval(
    path: Annotated[Path | None, typer.Argument(help="Labelled set (default: shipped)")] = None,
    as_json: JsonSummary = False,
) -> None:
    """Entity-linking accuracy on a labelled set (default: claimwatch/data/entity_linking)."""
    result = evaluate(readable_file(path) if path else DEFAULT_SET)
    console.print(format_report(result))
    if as_json:
        keys = ("items", "correct", "accuracy")
        print(json.dumps({k: result[k] for k in keys if k in result}))


def explain(
    path: Annotated[str, typer.Argument(help="JSON-lines articles, or - for stdin")],
    as_json: Annotated[bool, typer.Option("--json", help="End with one JSON object")] = False,
) -> None:
    """Show frames, claims and why pairs of claims conflict or not (in process, no Redis)."""
    try:
        text = sys.stdin.read() if path == "-" else readable_file(path).read_text("utf-8")
        result = run_explain(parse_articles(text.splitlines()))
    except UnicodeDecodeError as exc:
        raise UserError(f"cannot read {path}: not UTF-8 ({exc.reason})") from None
    except ExplainInputError as exc:
        raise UserError(f"not an article: {exc}") from None
    print(as_json_line(result) if as_json else render(result))


def readout(
    path: Annotated[Path, typer.Argument(help="JSON-lines articles, read as one stream")],
    limit: Annotated[int | None, typer.Option(help="Only the first N articles")] = None,
) -> None:
    """Every alert a stream of articles raises, one JSON object a line, for reading."""
    for record in run_readout(readable_file(path), limit):
        print(json.dumps(record, ensure_ascii=False))
