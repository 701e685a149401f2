"""``manage.py rollup_check <slug> | --all``: rows whose stored progress is wrong (writes nothing).

Prints one line per company (``<slug>: N rows drifted``, then each row) and
exits with status 1 when any row drifted (``rollup_repair`` fixes them), so it can gate a script.
"""

from django.core.management.base import CommandError

from objectives.management.rollup_command import CompaniesCommand
from objectives.rollup import progress_drift


class Command(CompaniesCommand):
    help = "List key results and objectives whose stored progress differs from a recomputation."

    def handle(self, *args, slug: str | None, all: bool, **options) -> None:
        total = 0
        for company in self.companies(slug=slug, every=all):
            key_results, objectives = progress_drift(company=company)
            drifted = len(key_results) + len(objectives)
            total += drifted
            self.stdout.write(f"{company.slug}: {drifted} rows drifted")
            for pk, value in sorted(key_results.items()):
                self.stdout.write(f"  key result {pk}: should be {value}")
            for pk, value in sorted(objectives.items()):
                self.stdout.write(f"  objective {pk}: should be {value}")
        self.stdout.write(f"total: {total} rows drifted")
        if total:
            raise CommandError(f"{total} rows drifted: manage.py rollup_repair fixes them.", returncode=1)
