"""The command line's parameters coerced without pydantic (private to pharmcheck/cli.py).

typer (0.2x) coerces every parameter through a pydantic ``TypeAdapter`` that it builds on the parameter's
first use: importing pydantic and building the adapters costs 60-80 ms of a `check` that should take 300.
pharmcheck's parameters are of a few plain types (``str``; ``int`` and ``float`` within a range; ``Path``;
an ``Enum`` of choices; a list of ``str``), and :func:`install` gives each of them a coercer that reads the
value as typer's adapter reads it and says what it says when the value is wrong (the messages are compared
with typer's own, input by input, in tests/test_cli_params.py). A parameter of any other kind, and a typer
without this hook (older versions coerce with click's types and never import pydantic), are left as they
are.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

_INT = "Input should be a valid integer, unable to parse string as an integer"
_FLOAT = "Input should be a valid number, unable to parse string as a number"


def _bound(x: float) -> str:
    """A bound as pydantic writes it (1.0 is '1', 0.5 is '0.5')."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _int(text: str) -> int:
    """An integer as pydantic reads one: white space around it, a sign, underscores between digits, and
    a point followed by zeros only ("5.0")."""
    import re

    m = re.fullmatch(r"([+-]?)(\d+(?:_\d+)*)(?:\.(0+))?", text.strip(), re.ASCII)
    if m is None:
        raise ValueError(_INT)
    return int(m.group(1) + m.group(2).replace("_", ""))


def _float(text: str) -> float:
    """A number as pydantic reads one: Python's float(), with underscores anywhere between two characters
    (then with no white space around)."""
    if "_" in text:
        if text.startswith("_") or text.endswith("_") or "__" in text:
            raise ValueError(_FLOAT)
        s = text.replace("_", "")
        if s != s.strip():
            raise ValueError(_FLOAT)
    else:
        s = text.strip()
    if not s.isascii():
        raise ValueError(_FLOAT)
    try:
        return float(s)
    except ValueError:
        raise ValueError(_FLOAT) from None


def install(command: Any) -> None:
    """Give every plain parameter of ``command`` (a typer group and its commands) a pydantic-free coercer."""
    try:
        from typer._coercion import RuntimeParam
        from typer.core import _TyperParameter
    except ImportError:  # pragma: no cover - a typer without pydantic adapters
        return
    plain = _plain_class(RuntimeParam)

    def give(param: Any) -> None:
        if not isinstance(param, _TyperParameter) or getattr(param, "_runtime_param", False) is not None:
            return
        desc = param.type_descriptor
        kind = _kind(desc.annotation, desc.parameter_info)
        if kind is not None and desc.file_annotation is None:
            param._runtime_param = plain(parameter_info=desc.parameter_info, annotation=desc.annotation, kind=kind)

    def with_help(cmd: Any) -> None:
        # The help option is made on first use, with the context's option names: give it one when it is.
        made = cmd.get_help_option

        def get_help_option(ctx: Any) -> Any:
            option = made(ctx)
            if option is not None:
                give(option)
            return option

        cmd.get_help_option = get_help_option

    for cmd in [command, *getattr(command, "commands", {}).values()]:
        for param in getattr(cmd, "params", ()):
            give(param)
        if callable(getattr(cmd, "get_help_option", None)):
            with_help(cmd)


def _kind(annotation: Any, info: Any) -> str | None:
    if getattr(info, "parser", None) is not None or getattr(info, "clamp", False):
        return None
    if get_origin(annotation) is list:
        (item,) = get_args(annotation) or (None,)
        return "list-str" if item is str else None
    if annotation is str:
        return "str"
    if annotation is bool:
        return "bool"
    if annotation is int or annotation is float:
        return annotation.__name__
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "enum"
    if annotation is Path and getattr(info, "path_type", None) in (None, Path):
        return "path"
    return None


def _plain_class(base: type) -> type:
    @dataclass(frozen=True)
    class Plain(base):  # type: ignore[misc, valid-type]
        kind: str = "str"

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            from typer._click.exceptions import BadParameter

            try:
                return self._read(value, ctx, param)
            except ValueError as exc:
                from typer._display import _escape_control_characters

                raise BadParameter(_escape_control_characters(str(exc)), ctx=ctx, param=param) from None

        def _read(self, value: Any, ctx: Any, param: Any) -> Any:
            info = self.parameter_info
            kind = self.kind
            if kind == "list-str":
                items = value if isinstance(value, (list, tuple)) else [value]
                return [_text(item) for item in items]
            if kind == "str":
                return _text(value)
            if kind == "bool":
                return _bool(value)
            if kind == "enum":
                from typer._param_types import coerce_cli_choice

                try:
                    return coerce_cli_choice(value, choices=list(self.annotation), case_sensitive=info.case_sensitive, ctx=ctx)
                except ValueError as exc:
                    raise ValueError(f"Value error, {exc}") from None
            if kind == "path":
                from typer._param_types import coerce_cli_path

                path = value if isinstance(value, Path) else Path(_text(value))
                return coerce_cli_path(path, info, path_type=Path, param=param, ctx=ctx)
            number = self.annotation
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise ValueError(_INT if number is int else _FLOAT)
            if isinstance(value, str):
                n: float = _int(value) if number is int else _float(value)
            elif number is int:
                if isinstance(value, float) and not value.is_integer():
                    raise ValueError("Input should be a valid integer, got a number with a fractional part")
                n = int(value)
            else:
                n = float(value)
            # pydantic checks the upper bound first (it is the one named when NaN fails both)
            if info.max is not None and not (n <= info.max):
                raise ValueError(f"Input should be less than or equal to {_bound(info.max)}")
            if info.min is not None and not (n >= info.min):
                raise ValueError(f"Input should be greater than or equal to {_bound(info.min)}")
            return n

    return Plain


_TRUE = frozenset(("1", "on", "t", "true", "y", "yes"))
_FALSE = frozenset(("0", "off", "f", "false", "n", "no"))


def _bool(value: Any) -> bool:
    """A flag's value as pydantic reads it from an environment variable or a prompt ('' is false)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word == "" or word in _FALSE:
            return False
        if word in _TRUE:
            return True
    elif isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    raise ValueError("Input should be a valid boolean, unable to interpret input")


def _text(value: Any) -> str:
    if value is None:
        raise ValueError("Value error, None is not a valid string")
    if isinstance(value, bytes):
        from typer._adapters import _parse_cli_str  # never reached from a command line: argv is str

        return _parse_cli_str(value)
    return str(value)

