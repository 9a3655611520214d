"""`pointflow user create|list`: the people who sign in to the console, and their roles."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pointflow.adapters.db.user_store import SqlUsers
from pointflow.bootstrap import bootstrap
from pointflow.governance.access import ConsoleRole
from pointflow.governance.passwords import WeakPassword, generate_password
from pointflow.service_layer.console_auth import UserExists

user_app = typer.Typer(help="People who sign in to the console, and their roles.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")


@user_app.command("create")
def create(
    username: Annotated[str, typer.Option(help="The name the person logs in with (the only personal datum)")],
    role: Annotated[
        list[ConsoleRole], typer.Option(help="viewer, marketing_ops, product_manager, risk, admin (repeat)")
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input, not generate one")
    ] = False,
) -> None:
    """Create a console user and print the generated password (shown once; only its argon2 hash is kept)."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else generate_password()
    container = bootstrap()
    try:
        container.console.create_user(username=username.strip(), password=password, roles=frozenset(role))
    except (UserExists, WeakPassword) as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(1) from None
    finally:
        container.close()
    roles = ", ".join(sorted(r.value for r in role))
    typer.echo(f"created user {username} with roles {roles}", err=True)
    if not password_stdin:
        typer.echo(password)


@user_app.command("list")
def list_users() -> None:
    """Usernames, one per line."""
    with bootstrap() as container:
        for name in SqlUsers(container.db).usernames():
            typer.echo(name)
