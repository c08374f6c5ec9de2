"""`doorstep bounces`: late bounces of customer emails (delivery status notifications to DOORSTEP_BOUNCE_ADDRESS).
``serve`` is the bounce mailbox as an SMTP server; ``read`` takes reports from files or a pipe (a mail server's
alias ``bounces: "|doorstep bounces read -"``). Either marks the emails they are about ``bounced``
(docs/notifications.md, "Bounces")."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from doorstep.cli.errors import EXIT_BAD_INPUT, err_console, print_issues
from doorstep.cli.logs import json_logging
from doorstep.config import get_settings
from doorstep.domain.errors import Issue

bounces_app = typer.Typer(help="Late bounces of customer emails.", no_args_is_help=True)


def _bounce_address() -> str:
    """DOORSTEP_BOUNCE_ADDRESS, or exit with E1012."""
    address = get_settings().bounce_address
    if not address:
        issue = Issue("E1012", "doorstep bounces needs DOORSTEP_BOUNCE_ADDRESS (bounces@your-mail-domain)",
                      ("DOORSTEP_BOUNCE_ADDRESS",))  # fmt: skip
        print_issues(err_console, [issue], f"Error E1012: {issue.message}")
        raise typer.Exit(EXIT_BAD_INPUT)
    return address


def _recorder(address: str) -> tuple[Callable[[bytes, Sequence[str]], str], Callable[[], None]]:
    """A function recording one report on the configured database (and one closing it)."""
    from doorstep.services.customer.email_bounces import record_report
    from doorstep.services.kernel.platform import Platform
    from doorstep.store.engine import make_engine, make_session_factory
    from doorstep.store.migrate import upgrade

    settings = get_settings()
    upgrade(settings.db_url())
    engine = make_engine(settings.db_url(), busy_timeout_s=settings.sqlite_busy_timeout_s)
    platform = Platform(sessions=make_session_factory(engine))

    def record(raw: bytes, rcpts: Sequence[str]) -> str:
        out = record_report(platform, raw, rcpts, address)
        if out.ignored:
            return f"ignored: {out.ignored}"
        return f"bounced {', '.join(out.marked)}" + (f"; opted out {', '.join(out.opted_out)}" if out.opted_out else "")

    return record, engine.dispose


@bounces_app.command("serve")
def bounces_serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="SMTP port (25 as the bounce domain's MX).", min=1, max=65535)] = 2525,
) -> None:
    """Receive mail for DOORSTEP_BOUNCE_ADDRESS (and its bounce+<message id> forms) over SMTP and record each
    delivery status notification; other recipients are refused. Stops on SIGTERM or Ctrl-C."""
    from doorstep.notify.bounce_server import bounce_server

    address = _bounce_address()
    json_logging()
    record, close = _recorder(address)
    server = bounce_server(address, record, host, port)
    stop = threading.Event()

    def halt(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, halt)
    signal.signal(signal.SIGINT, halt)
    server.start()
    err_console.print(f"bounce mailbox for {address} on smtp://{host}:{port}")
    try:
        stop.wait()
    finally:
        server.stop()
        close()


@bounces_app.command("read")
def bounces_read(
    files: Annotated[list[str], typer.Argument(help="Report emails (.eml); - reads one from standard input.")],
    recipient: Annotated[
        str | None,
        typer.Option(help="The envelope recipient (bounce+<message id>@…); Postfix's local delivery sets RECIPIENT.",
                     envvar="RECIPIENT"),
    ] = None,
) -> None:
    """Record delivery status notifications from files or a pipe; prints what each did."""
    address = _bounce_address()
    record, close = _recorder(address)
    try:
        for name in files:
            raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
            typer.echo(f"{name}: {record(raw, [recipient] if recipient else [])}")
    finally:
        close()
