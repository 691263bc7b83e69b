"""flask setup (the first administrator) and flask programme export/import (a set-up as YAML)."""

import click
import sqlalchemy as sa
import yaml
from flask.cli import AppGroup, with_appcontext

from app.extensions import db

programme_cli = AppGroup("programme", help="Copy a programme's set-up between environments.")


@click.command("setup")
@with_appcontext
@click.option("--email", required=True, help="The first administrator's e-mail address.")
@click.option("--name", required=True, help="The first administrator's name.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 10 characters; asked for when not given.")
def setup_command(email, name, password):
    """Create the first administrator of a new installation (refused once one exists)."""
    from app.accounts.first_run import create_first_administrator
    from app.core.errors import DomainError

    try:
        user = create_first_administrator({"email": email, "name": name, "password": password})
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.detail) from None
    db.session.commit()
    click.echo(f"Created the administrator {user.email} (id {user.id}). Log in and set up the "
               "programme under Programmes.")


@programme_cli.command("export")
@click.argument("programme_id", type=int)
def export_command(programme_id):
    """Write programme ID's set-up (not its cases) as YAML to standard output."""
    from .models import Programme
    from .transfer import dump_yaml, export_setup

    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise click.ClickException(f"There is no programme with id {programme_id}.")
    click.echo(dump_yaml(export_setup(programme, db.session)), nl=False)


@programme_cli.command("import")
@click.argument("source", type=click.File("r", encoding="utf-8"))
@click.option("--name", default=None, help="Import under this name instead of the file's.")
def import_command(source, name):
    """Create a programme from a set-up file; checks everything before writing anything."""
    from .models import Programme
    from .transfer import SetupFileError, import_setup, read_setup

    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as error:
        raise click.ClickException(f"The file is not valid YAML: {error}") from None
    existing = db.session.scalars(sa.select(Programme.name)).all()
    try:
        values = read_setup(data, name=name, existing_names=existing)
    except SetupFileError as error:
        raise click.ClickException("The set-up was not imported:\n  " +
                                   "\n  ".join(error.problems)) from None
    programme = import_setup(values, db.session)
    db.session.commit()
    click.echo(f"Imported the programme {programme.name} (id {programme.id}).")
