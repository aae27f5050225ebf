"""Help and usage errors as a person reads them.

Typer prints each parameter's Python type in --help (`<bool>`, `<list[str]>`, `<float range>`) and
writes required arguments as `{name}`; optout names every value with a metavar (`PLATFORM`, `SECONDS`),
and uses the usual convention: `PLATFORM` required, `[PLATFORM]...` optional and repeatable. Usage errors
are one line, like every other error optout prints.
"""

from __future__ import annotations

from typing import Any

import typer
import typer.core


def plain_parameter_help() -> None:
    """Show metavars instead of Python types. Typer versions without type tags are left as they are."""
    argument = getattr(typer.core, "TyperArgument", None)
    option = getattr(typer.core, "TyperOption", None)
    if argument is not None and hasattr(argument, "display_type_rich"):
        # The argument's metavar is already its name in the help; nothing more to show.
        setattr(argument, "display_type_rich", lambda self, ctx: None)  # noqa: B010
    if option is not None and hasattr(option, "display_type_rich"):
        setattr(option, "display_type_rich", lambda self, ctx: self.metavar)  # noqa: B010
    if argument is not None and hasattr(argument, "_usage_display_name"):
        setattr(argument, "_usage_display_name", _usage_name)  # noqa: B010


def _usage_name(self: Any) -> str:
    name = str(self.metavar or self.name).upper()
    if not self.required:
        name = f"[{name}]"
    return f"{name}..." if self.nargs != 1 else name


def _click_class(name: str) -> type[Exception]:
    """A class of the click that typer uses (its own copy in recent versions, click itself before)."""
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == name)


ClickException = _click_class("ClickException")


def one_line(exc: Exception) -> str:
    """A usage error as one line, with where to read more."""
    message = str(getattr(exc, "format_message", lambda: str(exc))())
    first = " ".join(message.split())
    ctx = getattr(exc, "ctx", None)
    hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
    return f"optout: error: {first}{hint}"


def is_no_args_help(exc: Exception) -> bool:
    """`optout accounts` alone: the help is the answer, not an error line."""
    return type(exc).__name__ == "NoArgsIsHelpError"
