"""The scheduler's tables: the log of job runs and APScheduler's persistent job store."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import AwareDateTime, enum_column
from app.extensions import db

JOB_STORE_TABLE = "apscheduler_jobs"


class JobRunStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


class JobRun(db.Model):
    """One run of a daily job: for which business date, when, how it ended, what it did."""

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(sa.String(80), index=True)
    business_on: Mapped[date]
    started_at: Mapped[datetime] = mapped_column(AwareDateTime())
    finished_at: Mapped[datetime] = mapped_column(AwareDateTime())
    status: Mapped[JobRunStatus] = enum_column(JobRunStatus)
    count: Mapped[int | None]
    error: Mapped[str] = mapped_column(sa.Text, default="")

    def __repr__(self) -> str:
        return f"<JobRun {self.job_name} {self.business_on} {self.status}>"


# APScheduler 3's SQLAlchemyJobStore table, column for column, so the migrations create it
# and autogenerate sees it; the job store itself only reads and writes it.
apscheduler_jobs = sa.Table(
    JOB_STORE_TABLE,
    db.metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)
