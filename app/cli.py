"""Command-line tools: flask seed, flask users, flask audit."""

import click
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db

seed_cli = AppGroup("seed", help="Load data.")
users_cli = AppGroup("users", help="Manage users and API tokens.")
audit_cli = AppGroup("audit", help="Check the audit log.")


@seed_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no programme yet.")
def seed_demo_command(if_empty):
    """Load the Stockholm demo programme from seed_data/ (safe to run again)."""
    import sqlalchemy as sa

    from app.programmes.models import Programme
    from app.seed import seed_demo

    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Programme)):
        click.echo("The database already has a programme; demo data not loaded.")
        return
    report = seed_demo()
    db.session.commit()
    click.echo(f"Demo data loaded: {report}")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--organisation", "organisation_name", default=None,
              help="The organisation's exact name.")
@click.option("--role", "roles", multiple=True,
              help="A role, repeatable; decision makers as decision_maker:AUTHORITY_KEY.")
def create_user_command(email, name, password, organisation_name, roles):
    """Create a user with roles."""
    import sqlalchemy as sa

    from app.accounts.models import Organisation
    from app.accounts.services import create_user
    from app.core.errors import DomainError

    organisation_id = None
    if organisation_name:
        organisation_id = db.session.scalar(
            sa.select(Organisation.id).where(Organisation.name == organisation_name))
        if organisation_id is None:
            raise click.BadParameter(f"No organisation is called {organisation_name!r}.",
                                     param_hint="--organisation")
    try:
        user = create_user({"email": email, "name": name, "password": password,
                            "organisation_id": organisation_id, "roles": list(roles)})
    except DomainError as error:
        raise click.ClickException(error.detail) from None
    db.session.commit()
    click.echo(f"Created user {user.email} (id {user.id}).")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="cli", help="A label for the token.")
def token_command(email, name):
    """Print a new API token for EMAIL (only its hash is stored: keep it now)."""
    from app.accounts.services import find_user_by_email, issue_api_token

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user has the e-mail address {email}.")
    token = issue_api_token(user, name=name)
    db.session.commit()
    click.echo(token)


@audit_cli.command("verify")
def verify_command():
    """Check the audit log's hash chain and report the first broken link."""
    from app.core.audit import verify_chain

    report = verify_chain()
    if report.is_intact:
        click.echo(f"Audit chain intact: {report.checked} entries checked.")
        return
    click.echo(f"Audit chain BROKEN at entry {report.broken_at_id}: {report.reason} "
               f"({report.checked} entries before it are intact).", err=True)
    raise SystemExit(1)


def register_commands(app: Flask) -> None:
    for group in (seed_cli, users_cli, audit_cli):
        app.cli.add_command(group)
