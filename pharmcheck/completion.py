"""Shell completion for pharmcheck (private to pharmcheck/cli.py): the script for bash, zsh, fish or
PowerShell, printed or installed where the shell reads it, with typer's own scripts.

typer's --show-completion and --install-completion give up when the parent process is sh (a Makefile, CI,
a Dockerfile's RUN), with no way to name the shell: here the shell is the one named, else the one
pharmcheck runs in, else $SHELL's, else a one-line usage error.
"""

from __future__ import annotations

import os

import typer

SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def shell_named(value: str, usage) -> str:
    """The shell named, else the one pharmcheck runs in, else $SHELL's; ``usage(message, command=...)`` makes
    the command line's usage error when there is none of them."""
    name = value.strip().lower()
    if not name:
        from typer._completion_shared import _get_shell_name

        name = (_get_shell_name() or "").lower()
        if name not in SHELLS:
            name = os.path.basename(os.environ.get("SHELL", "")).lower()
    if name not in SHELLS:
        what = f"shell {name!r} is not supported" if name else "cannot tell which shell this is"
        raise usage(f"{what}: name one of {', '.join(SHELLS[:4])}, e.g. 'pharmcheck completion bash'", command="completion")
    return name


def complete(shell: str, install: bool) -> None:
    from typer._completion_shared import get_completion_script
    from typer._completion_shared import install as install_script

    if install:
        shell, path = install_script(shell=shell, prog_name="pharmcheck", complete_var="_PHARMCHECK_COMPLETE")
        typer.echo(f"{shell} completion installed in {path}; it takes effect in a new terminal")
    else:
        typer.echo(get_completion_script(prog_name="pharmcheck", complete_var="_PHARMCHECK_COMPLETE", shell=shell))
