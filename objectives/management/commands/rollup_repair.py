"""``manage.py rollup_repair <slug> | --all``: recompute progress from scratch, printing rows changed.

Writes only the rows whose value changed (``rollup.company_full_recompute``),
safely beside running check-ins and workers; on a consistent database it
changes nothing.
"""

from objectives.management.rollup_command import CompaniesCommand
from objectives.rollup import company_full_recompute


class Command(CompaniesCommand):
    help = "Recompute stored progress from raw values and print how many rows changed."

    def handle(self, *args, slug: str | None, all: bool, **options) -> None:
        total = 0
        for company in self.companies(slug=slug, every=all):
            changed = company_full_recompute(company=company)
            total += changed
            self.stdout.write(f"{company.slug}: {changed} rows changed")
        self.stdout.write(f"total: {total} rows changed")
