"""The command line: `pharmcheck check`, `audit`, `rules`, `schema`.

The CLI never decides a verdict: it calls the engine and renders the report. Heavy modules (httpx,
bs4, rich, the rules) are imported inside the commands so that `pharmcheck --help` starts fast.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer

from . import __version__
from . import completion as _completion
from .exitcodes import VERDICT_EXIT, ExitStatus

app = typer.Typer(
    name="pharmcheck",
    help="Check whether an online pharmacy shows the signs of a safe, legitimate pharmacy, with the evidence "
    "for every finding. pharmcheck reports risk signals; it does not certify a pharmacy.",
    add_completion=False,  # pharmcheck's own --install-completion / --show-completion: see _completion
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


_OWN_PROCESS = False  # main() run as pharmcheck's own program, not called by a test or a library


class Format(str, Enum):
    text = "text"
    json = "json"
    html = "html"


def _err(message: str) -> None:
    """One line on stderr: the only way pharmcheck reports a failure."""
    sys.stderr.write(f"pharmcheck: {message}\n")


def _write_stdout(text: str) -> None:
    """Write the report; a reader that stops early (``| head``) closes the pipe, which is not an error."""
    import os

    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would complain again at exit while flushing: point stdout at /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pharmcheck {__version__}")
        raise typer.Exit(0)


def _completion_flag(ctx: typer.Context, param: Any, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        _completion.complete(_completion.shell_named("", _usage), install=param.name == "install_completion")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."),
    install_completion: bool = typer.Option(
        False, "--install-completion", callback=_completion_flag, expose_value=False, is_eager=True,
        help="Install completion for the shell you are in (or $SHELL); to name one: pharmcheck completion SHELL --install."),
    show_completion: bool = typer.Option(
        False, "--show-completion", callback=_completion_flag, expose_value=False, is_eager=True,
        help="Print the completion script for the shell you are in (or $SHELL), to copy or customise it."),
) -> None:
    if ctx.invoked_subcommand != "check":
        gc.enable()  # main() paused the collector for the start; only check keeps it paused until its rules are loaded


def _config(max_pages: int, timeout: float, ca_bundle: Optional[Path], **extra):
    from .fetch import FetchConfig

    if ca_bundle is not None and not ca_bundle.is_file():
        _err(f"--ca-bundle {ca_bundle}: no such file")
        raise typer.Exit(ExitStatus.INVALID_INPUT)
    return FetchConfig(max_pages=max_pages, site_budget=timeout, ca_file=str(ca_bundle) if ca_bundle else None, **extra)


def _usage(message: str, command: str = "check") -> typer.Exit:
    """A usage error of pharmcheck's own, in the one-line form click's are given (see main)."""
    _err(f"{message} (try 'pharmcheck {command} -h')")
    return typer.Exit(ExitStatus.USAGE)


def _write_file(path: Path, text: str) -> None:
    """Write the whole report or nothing: a temporary file beside the target, renamed over it."""
    import os
    import tempfile

    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        # mkstemp makes the file private (0600): give it the mode a file written in place would have (the
        # umask's, or the mode of the file it replaces): a report is often written to be shared.
        try:
            mode = os.stat(path).st_mode & 0o777
        except OSError:
            mask = os.umask(0o022)
            os.umask(mask)
            mode = 0o666 & ~mask
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@app.command()
def check(
    target: str = typer.Argument(..., metavar="TARGET", help="A URL (https://pharmacy.example), a bare domain (pharmacy.example: https first), a saved .html file, or a folder of saved pages of one site."),
    fmt: Optional[Format] = typer.Option(None, "--format", "-f", help="text: the report for a person (default); json: the JSON report (the contract for tools); html: one self-contained page to keep or share."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", metavar="FILE", help="Write the report to FILE (replaced whole, never half-written); the verdict line still goes to standard output. Without --format, a FILE ending in .html or .json says the format."),
    json_out: bool = typer.Option(False, "--json", help="The same as --format json: the JSON report on stdout, and nothing else."),
    max_pages: int = typer.Option(12, "--max-pages", min=0, max=100, help="Pages to read beyond the start page."),
    timeout: float = typer.Option(60.0, "--timeout", min=1.0, help="Time budget for the whole site, in seconds."),
    ca_bundle: Optional[Path] = typer.Option(None, "--ca-bundle", help="Also trust the CA certificates in this PEM file."),
    proxy: Optional[str] = typer.Option(None, "--proxy", metavar="URL", help="Fetch through this proxy (http://host:port or https://...), instead of the environment's HTTPS_PROXY / HTTP_PROXY / ALL_PROXY."),
    no_env: bool = typer.Option(False, "--no-env", help="Ignore the environment: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY, SSL_CERT_FILE and SSL_CERT_DIR."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Also connect to loopback, private and link-local addresses a site redirects or links to (only the host you name may be local by default)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show every finding with all its evidence, grouped by page."),
) -> None:
    """Check one site and print a trust report. The exit code tells the verdict (see README)."""
    from .engine import check_sync
    from .report import to_json
    from .targets import invalid_input_report, several_sites, several_sites_message

    if json_out and fmt not in (None, Format.json):
        raise _usage(f"--json and --format {fmt.value} ask for two formats: give one")
    form = Format.json if json_out else fmt
    if form is None:  # -o report.html / report.json: the file's name says the format
        suffix = output.suffix.lower() if output is not None else ""
        form = {".html": Format.html, ".htm": Format.html, ".json": Format.json}.get(suffix, Format.text)
    if output is not None and str(output) != "-" and output.is_dir():
        _err(f"--output {output}: is a folder; give a file name")
        raise typer.Exit(ExitStatus.INVALID_INPUT)
    config = _config(max_pages, timeout, ca_bundle, proxy=proxy, trust_env=not no_env, allow_private=allow_private)
    sites = several_sites(target)
    if sites:
        report = invalid_input_report(target, several_sites_message(target, sites))
    else:
        if _OWN_PROCESS:
            from .engine import settle_for_one_check

            settle_for_one_check()  # rules loaded, then gc.freeze(): this process checks one site and exits
        gc.enable()
        try:
            report = check_sync(target, config)
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (see main): typer would end with 130 and no word
            _err("interrupted: nothing was judged")
            raise typer.Exit(ExitStatus.INTERRUPTED) from None
    invalid = report["error"] is not None and report["error"]["kind"] == "invalid-input"
    to_file = output is not None and str(output) != "-"
    if form is Format.json:
        text = to_json(report) + "\n"
    elif form is Format.html:
        from .render.html import render_html

        text = render_html(report)
    elif to_file:
        from .render.text import render_text

        text = render_text(report, width=80, verbose=verbose)
    else:
        text = None  # the terminal report, printed below
    # Bad input is one line on stderr; a site that failed still gets its report and advice.
    if to_file and not (invalid and form is Format.text):
        try:
            _write_file(output, text)
        except OSError as exc:
            _err(f"--output {output}: {exc.strerror or exc}")
            raise typer.Exit(ExitStatus.INVALID_INPUT) from None
        if not invalid:
            from .render.wording import HEADLINES

            label, headline = HEADLINES.get(report["verdict"]["code"], (report["verdict"]["label"], ""))
            _write_stdout(f"{label}: {headline} Report: {output}\n")
    elif text is not None and (form is not Format.text or not invalid):
        _write_stdout(text)
    elif not invalid:
        from rich.console import Console

        from .render.text import render_terminal

        console = Console(highlight=False)
        with console.capture() as captured:
            render_terminal(report, console, verbose=verbose)
        _write_stdout(captured.get())
    code = VERDICT_EXIT[report["verdict"]["code"]]
    if invalid:
        _err(report["error"]["message"])
        code = ExitStatus.INVALID_INPUT
    elif report["error"]:
        _err(f"could not check: {report['error']['message']}")
    raise typer.Exit(int(code))


@app.command()
def completion(
    shell: str = typer.Argument("", metavar="SHELL", autocompletion=lambda: list(_completion.SHELLS[:4]), help="bash, zsh, fish or powershell (default: the shell you are in, else $SHELL)."),
    install: bool = typer.Option(False, "--install", help="Install the script where the shell reads it, instead of printing it."),
) -> None:
    """Print (or --install) the shell completion script: commands, options and their choices complete with Tab."""
    _completion.complete(_completion.shell_named(shell, _usage), install=install)


@app.command()
def rules(
    rule_id: Optional[str] = typer.Argument(None, metavar="ID", help="Show one rule's documentation."),
    scoring: bool = typer.Option(False, "--scoring", help="Print the scoring table (weights, outcome scores) as JSON."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="text for a person; json for tools: every rule (or the one named) with its weight, documentation and outcomes."),
) -> None:
    """List the rules, or show one rule's documentation and its outcomes."""
    import inspect
    import json
    import textwrap

    from pharmcheck.rules import UnknownRule, get_rule, load_rules

    from .scoring import RULE_WEIGHTS, SCORING_VERSION, grade, scoring_table

    if scoring:
        typer.echo(json.dumps(scoring_table(), indent=2, sort_keys=True))
        return
    if fmt is Format.html:
        raise _usage("rules --format html: the rules are listed as text or json", "rules")
    if fmt is Format.json:
        try:
            modules = [get_rule(rule_id)] if rule_id is not None else list(load_rules())
        except UnknownRule as exc:
            _err(str(exc.args[0]))
            raise typer.Exit(ExitStatus.INVALID_INPUT) from None

        def described(module) -> dict:
            doc = inspect.cleandoc(module.__doc__ or "")
            return {
                "id": module.ID,
                "title": module.TITLE,
                "weight": RULE_WEIGHTS.get(module.ID, 0),
                "gate": module.ID not in RULE_WEIGHTS,
                "summary": doc.split("\n", 1)[0].strip(),
                "doc": textwrap.dedent(doc.split("\n", 1)[-1]).strip(),
                "outcomes": [
                    {"code": code, "meaning": meaning, "score": grade(code).score, "critical": grade(code).critical,
                     "at_most_caution": grade(code).at_most_caution}
                    for code, meaning in module.OUTCOMES.items()
                ],
            }

        typer.echo(json.dumps({"scoring_version": SCORING_VERSION, "rules": [described(m) for m in modules]}, indent=2, sort_keys=True))
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


@app.command()
def audit(
    source: str = typer.Argument(..., metavar="FILE", help="The list of sites: one URL or domain per line, a CSV with a 'url' column, a hosts-format blocklist ('0.0.0.0 domain'), or a WARC crawl (.warc, .warc.gz: judged offline). '-' reads standard input."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the records to this file (default: standard output)."),
    fmt: str = typer.Option("jsonl", "--format", "-f", metavar="jsonl|csv", help="jsonl: one report per line (the `check --json` report plus an 'audit' block); csv: one row per site."),
    input_format: str = typer.Option("auto", "--input-format", metavar="auto|lines|csv|warc", help="How to read the list (auto: a WARC crawl by its name or first bytes, a CSV when the first line is a CSV header)."),
    concurrency: int = typer.Option(50, "--concurrency", "-c", min=1, max=2000, help="Sites checked at once (one request at a time per host)."),
    workers: Optional[int] = typer.Option(None, "--workers", min=0, max=64, help="Processes that parse pages and run the rules (default: one per CPU core; 0: in the main process)."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.5, help="Time budget for each site, in seconds."),
    max_pages: int = typer.Option(12, "--max-pages", min=0, max=100, help="Pages to read per site beyond the start page."),
    delay: float = typer.Option(0.0, "--delay", min=0.0, max=600.0, help="Seconds to wait between requests to the same host."),
    ignore_robots: bool = typer.Option(False, "--ignore-robots", help="Do not obey robots.txt (obeyed by default: an audit is a crawler)."),
    retries: int = typer.Option(2, "--retries", min=0, max=10, help="Retries of a dropped connection, 429 or 503 (exponential backoff, Retry-After honoured), within the site's time budget."),
    resume: bool = typer.Option(False, "--resume", help="Append to --output, checking only the input lines that have no record there yet."),
    recheck: Optional[list[str]] = typer.Option(None, "--recheck", metavar="VERDICT|KIND", help="With --resume: check again the lines whose record has this verdict or error kind (could-not-check, timeout, dns...); each new record takes the old one's place."),
    fail_on: Optional[list[str]] = typer.Option(None, "--fail-on", metavar="VERDICT", help="Exit 8 when any site gets this verdict (likely-rogue, caution, not-a-pharmacy, could-not-check, likely-legitimate; repeat or comma-separate)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary on stderr."),
    ca_bundle: Optional[Path] = typer.Option(None, "--ca-bundle", help="Also trust the CA certificates in this PEM file."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Also check sites on loopback, private and link-local addresses (refused by default: a list can name hosts on your own network)."),
    proxy: Optional[str] = typer.Option(None, "--proxy", metavar="URL", help="Send every request through this http(s) proxy (default: HTTPS_PROXY/HTTP_PROXY/ALL_PROXY, minus NO_PROXY)."),
    no_env: bool = typer.Option(False, "--no-env", help="Ignore proxy and certificate settings in the environment (HTTPS_PROXY, SSL_CERT_FILE, ...)."),
    shards: int = typer.Option(0, "--shards", min=0, max=256, help="Processes that each fetch and judge sites with an event loop of their own (for many cores; default 0: one fetching process and --workers judging ones)."),
    cluster: Optional[str] = typer.Option(None, "--cluster", metavar="ADDRESS", help="Fetch and judge on a Dask cluster: its scheduler's address (tcp://host:8786), or 'local' / 'local:N' to start one here (needs pharmcheck[cluster])."),
) -> None:
    """Check a list of sites; one record per input line, streamed as each site finishes (see docs/audit.md).

    Exit codes: 0 done, 7 unusable list or output, 8 --fail-on matched, 130 interrupted (--resume finishes).
    """
    from .audit import FORMATS, INPUT_FORMATS, VERDICT_CODES, AuditOptions, run_audit

    if fmt not in FORMATS:
        _err(f"--format must be one of: {', '.join(FORMATS)}")
        raise typer.Exit(ExitStatus.USAGE)
    if input_format not in INPUT_FORMATS:
        _err(f"--input-format must be one of: {', '.join(INPUT_FORMATS)}")
        raise typer.Exit(ExitStatus.USAGE)
    verdicts = tuple(dict.fromkeys(v.strip() for item in fail_on or () for v in item.split(",") if v.strip()))
    unknown = [v for v in verdicts if v not in VERDICT_CODES]
    if unknown:
        _err(f"--fail-on {unknown[0]}: not a verdict (one of: {', '.join(VERDICT_CODES)})")
        raise typer.Exit(ExitStatus.USAGE)
    rechecks = tuple(dict.fromkeys(v.strip() for item in recheck or () for v in item.split(",") if v.strip()))
    if rechecks and not resume:
        _err("--recheck needs --resume (it checks again what an earlier run's --output holds)")
        raise typer.Exit(ExitStatus.USAGE)
    if resume and output is None:
        _err("--resume needs --output FILE (the file of the run to resume)")
        raise typer.Exit(ExitStatus.USAGE)
    config = _config(
        max_pages, timeout, ca_bundle, obey_robots=not ignore_robots, per_host_concurrency=1, delay=delay, retries=retries,
        page_deadline=min(20.0, timeout), connect_timeout=min(10.0, timeout), read_timeout=min(10.0, timeout),
        allow_private=allow_private, proxy=proxy, trust_env=not no_env,
    )
    options = AuditOptions(
        source=source, output=str(output) if output is not None else None, format=fmt, input_format=input_format,
        concurrency=concurrency, workers=workers, resume=resume, fail_on=verdicts, quiet=quiet, fetch=config, recheck=rechecks, shards=shards, cluster=cluster,
    )
    code = run_audit(options)
    if code == ExitStatus.INTERRUPTED:
        # A thread blocked in a DNS lookup cannot be cancelled and would hold up the exit: leave at once.
        # Every record is already written (os.write, no buffer) and the summary is printed.
        import os

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    raise typer.Exit(code)


@app.command()
def summarize(
    results: str = typer.Argument(..., metavar="RESULTS", help="The output of `pharmcheck audit` (JSON Lines or CSV), finished or still being written."),
    fmt: str = typer.Option("text", "--format", "-f", metavar="text|json|html", help="text; json; html: one self-contained page with charts (no script, works offline)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the summary to this file (default: standard output)."),
) -> None:
    """Summarise an audit's results: verdicts, error kinds, rule outcomes, red flags, TLDs, countries, the slowest sites.

    Exit codes: 0 done, 2 usage error, 7 the results cannot be read or the summary cannot be written.
    """
    from .summarize import SummaryInputError, render_html, render_json, render_text, summarize as summarize_file

    renderers = {"text": render_text, "json": render_json, "html": render_html}
    if fmt not in renderers:
        _err(f"--format must be one of: {', '.join(renderers)}")
        raise typer.Exit(ExitStatus.USAGE)
    try:
        text = renderers[fmt](summarize_file(results))
    except SummaryInputError as exc:
        _err(str(exc))
        raise typer.Exit(ExitStatus.INVALID_INPUT) from None
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _err(f"cannot write {output}: {exc.strerror or exc}")
        raise typer.Exit(ExitStatus.INVALID_INPUT) from None


def _click_exceptions():
    """click's exception classes: typer >= 0.20 vendors click as typer._click; older typer uses click."""
    try:
        from typer._click import exceptions
    except ImportError:  # pragma: no cover - older typer
        from click import exceptions
    return exceptions


def _usage_line(exc) -> str:
    """click's usage error (usage, hint and message on four lines) as pharmcheck's one line."""
    message = exc.format_message().strip().rstrip(".").replace("Value error, ", "")
    if message[:1].isupper() and message[1:2].islower():
        message = message[0].lower() + message[1:]
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "pharmcheck"
    return f"{message} (try '{command} -h')"


def _terminated(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: Optional[list[str]] = None) -> None:
    """Console entry point: never a traceback, always a documented exit code; usage errors in one line."""
    from typer.main import get_command

    from .cli_params import install

    exceptions = _click_exceptions()
    if os.environ.get("_PHARMCHECK_COMPLETE"):  # the shell asks for completions (see completion)
        from typer._completion_classes import completion_init

        completion_init()
    command = get_command(app)
    install(command)  # the parameters read without pydantic (60-80 ms of each start)
    if argv is None:  # pharmcheck's own process (the console script, python -m pharmcheck)
        # SIGTERM (kill, a service manager, a CI timeout) ends a check as Ctrl-C does: one line, exit 130.
        # (An audit puts its own handlers in place for its run: it finishes the records it can.)
        signal.signal(signal.SIGTERM, _terminated)
        # The start makes a few hundred thousand objects that live as long as the process (modules, tables,
        # patterns): the collector's passes over them find nothing and cost 20-40 ms of a check. Paused
        # here, enabled again by the command (check: once its rules are loaded and frozen, see _root).
        gc.disable()
        from .patterncache import install as compiled_patterns_from_disk

        compiled_patterns_from_disk()  # the regular expressions compiled by the last run (about 100 ms of a check)
        global _OWN_PROCESS
        _OWN_PROCESS = True
        from .reader import import_bs4_for_reading

        import_bs4_for_reading()  # bs4 without soupsieve and html5lib, never used (70-110 ms)
    try:
        code = command.main(args=argv, prog_name="pharmcheck", standalone_mode=False)
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(ExitStatus.INTERRUPTED)
    except exceptions.NoArgsIsHelpError as exc:  # `pharmcheck` alone: the help, as asked for
        _write_stdout(exc.ctx.get_help() + "\n")
        sys.exit(0)
    except exceptions.UsageError as exc:
        _err(_usage_line(exc))
        sys.exit(ExitStatus.USAGE)
    except exceptions.ClickException as exc:
        _err(exc.format_message())
        sys.exit(exc.exit_code)
    except typer.Abort:
        _err("interrupted")
        sys.exit(ExitStatus.INTERRUPTED)
    except SystemExit:
        raise
    except Exception as exc:  # a bug: say so in one line
        _err(f"internal error: {exc.__class__.__name__}: {exc} (please report this)")
        sys.exit(ExitStatus.INTERNAL_ERROR)
    sys.exit(code if isinstance(code, int) else 0)
