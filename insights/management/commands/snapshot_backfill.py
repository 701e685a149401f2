"""``manage.py snapshot_backfill <slug> | --all [--since D] [--until D] [--replace]``: replay past days.

Rebuilds the daily progress snapshots of past days from the check-ins that
stand (``insights.snapshots.backfill_days``). By default from the start of
the cycles running yesterday to yesterday; days already snapshotted are kept
unless ``--replace`` (after a correction of old check-ins, an import of
history, or a change of key result definitions that should show in the past).
The nightly task does this by itself for days it missed; this command is
for operators.
"""

import datetime

from django.core.management.base import CommandError, CommandParser

from insights.snapshots import backfill_company
from objectives.management.rollup_command import CompaniesCommand


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).") from None


class Command(CompaniesCommand):
    help = "Rebuild the daily progress snapshots of past days from the check-ins."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--since", type=_date, help="First day (default: start of the running cycles).")
        parser.add_argument("--until", type=_date, help="Last day (default: yesterday, company time).")
        parser.add_argument("--replace", action="store_true", help="Rewrite days already snapshotted.")

    def handle(
        self,
        *args,
        slug: str | None,
        all: bool,
        since: datetime.date | None,
        until: datetime.date | None,
        replace: bool,
        **options,
    ) -> None:
        if since is not None and until is not None and since > until:
            raise CommandError("--since must not be after --until.")
        for company in self.companies(slug=slug, every=all):
            days = backfill_company(company=company, since=since, until=until, replace=replace)
            self.stdout.write(f"{company.slug}: {days} day{'s' if days != 1 else ''} replayed")
