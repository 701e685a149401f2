"""What ``rollup_check`` and ``rollup_repair`` share: choosing the companies."""

from collections.abc import Iterable

from django.core.management.base import BaseCommand, CommandError, CommandParser

from companies.models import Company


class CompaniesCommand(BaseCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?", help="The company's slug.")
        parser.add_argument("--all", action="store_true", help="Every company.")

    def companies(self, *, slug: str | None, every: bool) -> Iterable[Company]:
        if every == (slug is not None):
            raise CommandError("Name one company by its slug, or pass --all.")
        if every:
            return Company.objects.order_by("id").iterator()
        company = Company.objects.filter(slug=slug).first()
        if company is None:
            raise CommandError(f"No company with the slug {slug!r}.")
        return [company]
