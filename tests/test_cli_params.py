"""pharmcheck/cli_params.py reads each command-line value as typer's pydantic adapter reads it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

VALUES = [
    "0", "1", "5", "05", "+5", "-1", " 5", "5 ", "5_0", "_5", "5_", "5__0", "1.0", "1.", "1.5", "1.50", "1e2", "1E2",
    "0x10", "0o7", "0b1", "", " ", "abc", "٣", "²", "1,5", "100", "101", "1000", "2000", "2001", "64", "65", "-0",
    "0.5", "0.49", "600", "600.1", "inf", "-inf", "Infinity", "nan", "NaN", "1e400", ".5", "5.", "+.5", "1_000.5",
    "text", "json", "html", "JSON", "Text", "xml", "-", "a\x1bb", "café", "./x", "~/x", "/nonexistent/dir",
    "1.00", "1.0.0", "+1.0", "-1.0", "1._0", "1_0.0", "1.0_0", "1_.0", "00", "+0", "1e-2", "1e+2", "5e", "e5", "1__0",
    "+_1", "0_1", "١", "1.5e2", "  +1_0  ", " 1_0", "\t3\n", "--1", "+-1", "+ 1", "_", "+", ".", "-.0", ".0", "1e_2",
    "in_f", "inf_", "+inf", "-nan", "1.5_0", "١.٠", "1 0", "1e1000", "-1e1000", "9" * 400,
    "true", "True", " yes ", "y", "on", "t", "false", "FALSE", "no", "n", "off", "f", "2", "yess", "tru",  # a command line and the environment give strings
]


def _params():
    from typer.main import get_command

    from pharmcheck.cli import app

    command = get_command(app)
    out = []
    for name, cmd in command.commands.items():
        for param in cmd.params:
            out.append(pytest.param(name, param.name, id=f"{name}-{param.name}"))
    return out


def _read(runtime, value, param, cmd):
    from typer._click import Context
    from typer._click.exceptions import BadParameter

    ctx = Context(cmd)
    try:
        return "ok", runtime.coerce(value, param=param, ctx=ctx)
    except BadParameter as exc:
        return "error", exc.format_message()


@pytest.mark.parametrize(("command", "name"), _params())
def test_each_value_is_read_as_typers_adapter_reads_it(command, name):
    from typer._coercion import build_runtime_param
    from typer.main import get_command

    from pharmcheck import cli_params
    from pharmcheck.cli import app

    group = get_command(app)
    cmd = group.commands[command]
    (param,) = [p for p in cmd.params if p.name == name]
    assert param._runtime_param is None
    typers = build_runtime_param(param.type_descriptor)
    cli_params.install(group)
    ours = param._runtime_param
    assert ours is not None and type(ours).__module__ == "pharmcheck.cli_params"
    values = [*VALUES, ["a", "b"], ("x",)] if param.multiple else VALUES
    for value in values:
        assert _read(ours, value, param, cmd) == _read(typers, value, param, cmd), (name, value)


def test_the_help_option_made_on_first_use_gets_a_plain_coercer_too():
    from typer._click import Context
    from typer.main import get_command

    from pharmcheck import cli_params
    from pharmcheck.cli import app

    group = get_command(app)
    cli_params.install(group)
    cmd = group.commands["check"]
    option = cmd.get_help_option(Context(cmd, help_option_names=["-h", "--help"]))
    assert type(option._runtime_param).__module__ == "pharmcheck.cli_params"
    assert sorted(option.opts) == ["--help", "-h"]


def test_a_check_never_imports_pydantic():
    """The adapters import pydantic (60-80 ms at each start); the plain coercers need none of it."""
    code = ("import sys; from pharmcheck.cli import main\n"
            "try:\n    main(['check', 'examples/cheap-meds-24', '--max-pages', '3', '--timeout', '30', '-f', 'json', '-o', '-'])\n"
            "except SystemExit:\n    pass\n"
            "print('pydantic' in sys.modules, file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.stderr.strip().splitlines()[-1] == "False", out.stderr


def test_a_bad_value_still_gets_the_one_line_usage_error():
    out = subprocess.run([sys.executable, "-m", "pharmcheck", "check", "examples/cheap-meds-24", "--max-pages", "1000"],
                         cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr == ("pharmcheck: invalid value for '--max-pages': Input should be less than or equal to 100 "
                          "(try 'pharmcheck check -h')\n")


def test_only_the_command_lines_own_process_freezes_the_collector():
    """pharmcheck's own process loads the rules and calls gc.freeze() before its one check (40-60 ms);
    main() called with arguments (a test, a program) and the library never freeze anything."""
    code = ("import gc, sys, atexit\n"
            "from pharmcheck.cli import main\n"
            "try:\n    main(['check', 'examples/cheap-meds-24', '--json'])\nexcept SystemExit:\n    pass\n"
            "import pharmcheck; pharmcheck.check('examples/cheap-meds-24')\n"
            "print(gc.get_freeze_count(), file=sys.stderr)\n"
            "sys.argv = ['pharmcheck', 'check', 'examples/cheap-meds-24', '--json']\n"
            "atexit.register(lambda: print(gc.get_freeze_count() > 10_000, file=sys.stderr))\n"
            "main()\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.stderr.split() == ["0", "True"], out.stderr
