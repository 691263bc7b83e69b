"""Command-line tools: flask seed, flask users, flask audit, flask backup, flask scheduler,
flask assets."""

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app.extensions import db

seed_cli = AppGroup("seed", help="Load data.")
users_cli = AppGroup("users", help="Manage users and API tokens.")
audit_cli = AppGroup("audit", help="Check the audit log.")
scheduler_cli = AppGroup("scheduler", help="Run the daily jobs (reminders, escalation, e-mail).")
assets_cli = AppGroup("assets", help="Static assets under hashed names, precompressed.")


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


def _user_by_email(email):
    from app.accounts.services import find_user_by_email

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user has the e-mail address {email}.")
    return user


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="cli", help="A label for the token.")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="How many days it works (default API_TOKEN_LIFETIME_DAYS, 90).")
@click.option("--revoke-others", is_flag=True, help="Revoke the user's other tokens now.")
def token_command(email, name, days, revoke_others):
    """Print a new API token for EMAIL (only its hash is stored: keep it now)."""
    from datetime import timedelta

    from app.accounts.services import issue_api_token

    token = issue_api_token(_user_by_email(email), name=name, revoke_others=revoke_others,
                            lifetime=timedelta(days=days) if days else None)
    db.session.commit()
    click.echo(token)


@users_cli.command("tokens")
@click.argument("email")
def tokens_command(email):
    """List EMAIL's API tokens: id, state, expiry, last use and name."""
    from app.accounts.services import api_token_state, list_api_tokens

    for token in list_api_tokens(_user_by_email(email)):
        last_used = token.last_used_at.isoformat() if token.last_used_at else "never"
        click.echo(f"{token.id}\t{api_token_state(token).value}\t"
                   f"expires {token.expires_at.isoformat()}\tlast used {last_used}\t{token.name}")


@users_cli.command("revoke-token")
@click.argument("token_id", type=int, required=False)
@click.option("--all", "all_of", metavar="EMAIL", default=None,
              help="Revoke every working token of this user instead.")
def revoke_token_command(token_id, all_of):
    """Revoke the API token TOKEN_ID (see `flask users tokens EMAIL`), or --all EMAIL."""
    from app.accounts.models import ApiToken
    from app.accounts.services import active_api_tokens, revoke_api_token

    if (token_id is None) == (all_of is None):
        raise click.UsageError("Give either a TOKEN_ID or --all EMAIL.")
    if all_of:
        tokens = active_api_tokens(_user_by_email(all_of))
    else:
        token = db.session.get(ApiToken, token_id)
        if token is None:
            raise click.ClickException(f"There is no API token with id {token_id}.")
        tokens = [token]
    for token in tokens:
        revoke_api_token(token)
    db.session.commit()
    click.echo(f"Revoked {len(tokens)} token(s).")


@users_cli.command("end-sessions")
@click.argument("email")
def end_sessions_command(email):
    """Log EMAIL out everywhere: every session and remember-me cookie stops working."""
    from app.accounts.services import end_sessions

    end_sessions(_user_by_email(email), "ended_by_administrator")
    db.session.commit()
    click.echo(f"Every session of {email} has ended.")


@audit_cli.command("verify")
def verify_command():
    """Check the audit chain, its keyed head and every sealed decision; name the first break."""
    from app.core.audit import verify_chain

    report = verify_chain()
    if report.is_intact:
        click.echo(f"Audit chain intact: {report.checked} entries and {report.sealed_checked} "
                   f"sealed decisions checked; head {report.head_hash[:16]} (keep this line "
                   "outside the database to detect a later rollback).")
        return
    where = (f"entry {report.broken_at_id}" if report.broken_at_id is not None
             else report.broken_row)
    click.echo(f"Audit chain BROKEN at {where}: {report.reason} "
               f"({report.checked} entries checked).", err=True)
    raise SystemExit(1)


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path):
    """Copy the SQLite database to TARGET while the app runs (PostgreSQL: pg_dump, see README)."""
    from app.core.backup import backup_sqlite
    from app.core.uploads import format_size

    if db.engine.dialect.name != "sqlite":
        raise click.ClickException(
            "The database is PostgreSQL: back it up with pg_dump as the README's 'Backup and "
            "restore' section describes.")
    try:
        written = backup_sqlite(db.engine, target)
    except FileExistsError:
        raise click.ClickException(f"{target} already exists; give a new file name.") from None
    click.echo(f"Backed up the database to {target} ({format_size(written)}). Keep "
               "AUDIT_HMAC_KEY apart from it: `flask audit verify` needs it after a restore.")


def _log_jobs_to_stderr() -> None:
    """Show the jobs' log (and, in development, the e-mails) on the terminal."""
    import logging

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@scheduler_cli.command("run")
@click.option("--standby-retry", "retry_seconds", type=click.FloatRange(min=0.1), default=60.0,
              show_default=True,
              help="Seconds between tries while another scheduler holds the lock.")
def scheduler_run_command(retry_seconds):
    """Run the scheduler until stopped (exactly one should run; a second one waits)."""
    import signal
    import threading

    from flask import current_app

    from app.jobs.scheduler import run_scheduler

    _log_jobs_to_stderr()
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_args: stop.set())
    click.echo("Scheduler starting; stop it with Ctrl+C.")
    run_scheduler(current_app._get_current_object(), stop, retry_seconds)
    click.echo("Scheduler stopped.")


@scheduler_cli.command("run-once")
@click.option("--job", "job_names", multiple=True, metavar="NAME",
              help="Run only this job (repeatable); default every daily job.")
def scheduler_run_once_command(job_names):
    """Run the daily jobs once now, for the business date, and print what each did."""
    from flask import current_app

    from app.jobs.scheduler import DAILY_JOBS, run_daily_jobs

    unknown = [name for name in job_names if name not in DAILY_JOBS]
    if unknown:
        raise click.BadParameter(f"No job is called {unknown[0]!r}; the jobs are: "
                                 f"{', '.join(DAILY_JOBS)}.", param_hint="--job")
    _log_jobs_to_stderr()
    runs = run_daily_jobs(current_app._get_current_object(), job_names or None)
    for run in runs:
        count = "" if run.count is None else f" {run.count}"
        click.echo(f"{run.job_name}: {run.status.value}{count}")
    if any(run.status.value == "failed" for run in runs):
        raise SystemExit(1)


@assets_cli.command("build")
def build_assets_command():
    """Write the hashed copies of the static assets with their gzip and brotli variants."""
    from pathlib import Path

    from flask import current_app

    from app.core.assets import build

    target = Path(current_app.instance_path) / "assets"
    for name, hashed in build(current_app, target, compress=True).items():
        sizes = [(suffix or "plain", (target / f"{hashed}{suffix}").stat().st_size)
                 for suffix in ("", ".gz", ".br") if (target / f"{hashed}{suffix}").exists()]
        click.echo(f"{name}: " + ", ".join(f"{kind} {size:,} B" for kind, size in sizes))


def register_commands(app: Flask) -> None:
    from app.programmes.cli import programme_cli, setup_command

    for group in (seed_cli, users_cli, audit_cli, scheduler_cli, assets_cli, programme_cli,
                  setup_command):
        app.cli.add_command(group)
    app.cli.add_command(backup_command)
