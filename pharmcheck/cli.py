"""The command line: `pharmcheck check`, `audit`, `rules`, `schema`.

The CLI never decides a verdict: it calls the engine and renders the report. Heavy modules (httpx,
bs4, rich, the rules) are imported inside the commands so that `pharmcheck --help` starts fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from . import __version__
from .exitcodes import VERDICT_EXIT, ExitStatus

app = typer.Typer(
    name="pharmcheck",
    help="Check whether an online pharmacy shows the signs of a safe, legitimate pharmacy, with the evidence "
    "for every finding. pharmcheck reports risk signals; it does not certify a pharmacy.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _err(message: str) -> None:
    """One line on stderr: the only way pharmcheck reports a failure."""
    sys.stderr.write(f"pharmcheck: {message}\n")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pharmcheck {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    pass


def _config(max_pages: int, timeout: float, ca_bundle: Optional[Path], **extra):
    from .fetch import FetchConfig

    if ca_bundle is not None and not ca_bundle.is_file():
        _err(f"--ca-bundle {ca_bundle}: no such file")
        raise typer.Exit(ExitStatus.INVALID_INPUT)
    return FetchConfig(max_pages=max_pages, site_budget=timeout, ca_file=str(ca_bundle) if ca_bundle else None, **extra)


@app.command()
def check(
    target: str = typer.Argument(..., help="A URL (https://pharmacy.example), a bare domain (pharmacy.example: https first), a saved .html file, or a folder of saved pages of one site."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON on stdout, and nothing else."),
    max_pages: int = typer.Option(12, "--max-pages", min=0, max=100, help="Pages to read beyond the start page."),
    timeout: float = typer.Option(60.0, "--timeout", min=1.0, help="Time budget for the whole site, in seconds."),
    ca_bundle: Optional[Path] = typer.Option(None, "--ca-bundle", help="Also trust the CA certificates in this PEM file."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show every piece of evidence."),
) -> None:
    """Check one site and print a trust report. The exit code tells the verdict (see README)."""
    from .engine import check_sync
    from .report import render_terminal, to_json

    config = _config(max_pages, timeout, ca_bundle)
    report = check_sync(target, config)
    if json_out:
        sys.stdout.write(to_json(report) + "\n")
    else:
        render_terminal(report, verbose=verbose)
    code = VERDICT_EXIT[report["verdict"]["code"]]
    if report["error"]:
        _err(f"could not check {target}: {report['error']['message']}")
        if report["error"]["kind"] == "invalid-input":
            code = ExitStatus.INVALID_INPUT
    raise typer.Exit(int(code))


@app.command()
def rules(
    rule_id: Optional[str] = typer.Argument(None, metavar="[ID]", help="Show one rule's documentation."),
    scoring: bool = typer.Option(False, "--scoring", help="Print the scoring table (weights, outcome scores) as JSON."),
) -> None:
    """List the rules, or show one rule's documentation and its outcomes."""
    import inspect
    import json

    from pharmcheck.rules import UnknownRule, get_rule, load_rules

    from .scoring import RULE_WEIGHTS, grade, scoring_table

    if scoring:
        typer.echo(json.dumps(scoring_table(), indent=2, sort_keys=True))
        return
    if rule_id is None:
        for module in load_rules():
            weight = RULE_WEIGHTS.get(module.ID)
            tag = f"weight {weight:g}" if weight else "gate"
            typer.echo(f"{module.ID:<16} {module.TITLE}  ({tag})")
        typer.echo("\n`pharmcheck rules ID` shows one rule; `pharmcheck rules --scoring` prints the scoring table.")
        return
    try:
        module = get_rule(rule_id)
    except UnknownRule as exc:
        _err(str(exc.args[0]))
        raise typer.Exit(ExitStatus.INVALID_INPUT) from None
    typer.echo(f"{module.ID}: {module.TITLE}\n")
    typer.echo(inspect.cleandoc(module.__doc__ or "").split("\n", 1)[-1].strip())
    typer.echo("\nOutcomes (score 0..1 toward the site score; 'none' = informational; CRITICAL forces 'likely rogue'):")
    for code, meaning in module.OUTCOMES.items():
        g = grade(code)
        score = "none" if g.score is None else f"{g.score:.2f}"
        flag = "  CRITICAL" if g.critical else ""
        typer.echo(f"  {code:<44} {score:>5}{flag}\n      {meaning}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the report (what `check --json` and `audit --format jsonl` print)."""
    import json

    from .report import json_schema

    typer.echo(json.dumps(json_schema(), indent=2, sort_keys=True))


def main() -> None:
    """Console entry point: never a traceback, always a documented exit code."""
    try:
        app()
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(ExitStatus.INTERRUPTED)
    except SystemExit:
        raise
    except Exception as exc:  # a bug: say so in one line
        _err(f"internal error: {exc.__class__.__name__}: {exc} (please report this)")
        sys.exit(ExitStatus.INTERNAL_ERROR)
