"""Import objectives and key results from CSV: ``manage.py import_okrs <slug> <file.csv> [--commit]``.

A dry run (the default) checks every row and changes nothing; ``--commit``
creates them, all or nothing. ``--as EMAIL`` runs the import as that member
(their role's permissions apply); without it the system imports.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from companies.models import Company, User
from companies.tenancy import Actor
from objectives.transfer import IMPORT_HELP, okrs_import_csv
from okrhub.errors import NotFound


class Command(BaseCommand):
    help = "Import objectives and key results from a CSV file (dry run unless --commit). " + IMPORT_HELP

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("file")
        parser.add_argument("--commit", action="store_true", help="Create the rows (all or nothing).")
        parser.add_argument("--as", dest="as_email", help="Import as this member of the company.")

    def handle(self, *args, slug: str, file: str, commit: bool, as_email: str | None, **options):
        company = Company.objects.filter(slug=slug).first()
        if company is None:
            raise CommandError(f"No company with the slug {slug!r}.")
        actor = None
        if as_email:
            user = User.objects.filter(email__iexact=as_email).first()
            try:
                actor = Actor.for_user(company, user) if user else None
            except NotFound:
                actor = None
            if actor is None:
                raise CommandError(f"{as_email} is not a member of {slug}.")
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from None
        result = okrs_import_csv(company=company, actor=actor, text=text, dry_run=not commit)
        for error in result.errors:
            self.stderr.write(f"row {error['row']}: {error['field'] or '-'}: {error['message']}")
        summary = f"{result.objectives} objectives and {result.key_results} key results"
        if result.errors:
            raise CommandError(f"{len(result.errors)} errors; nothing was imported.")
        if result.applied:
            self.stdout.write(f"Imported {summary}.")
        else:
            self.stdout.write(f"Dry run: the file is valid and would import {summary}. Run with --commit to import.")
