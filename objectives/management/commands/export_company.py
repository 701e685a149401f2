"""Export one company's whole OKR data: ``manage.py export_company <slug> [--csv] [-o FILE]``."""

import sys

import orjson
from django.core.management.base import BaseCommand, CommandError

from companies.models import Company
from objectives.transfer import company_export, company_export_csv_zip


class Command(BaseCommand):
    help = "Export a company's OKR data as JSON (default, to stdout) or as a zip of CSV files (--csv, needs -o)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--csv", action="store_true", help="A zip of one CSV file per table.")
        parser.add_argument("-o", "--output", help="Write to this file instead of stdout.")

    def handle(self, *args, slug: str, csv: bool, output: str | None, **options):
        company = Company.objects.filter(slug=slug).first()
        if company is None:
            raise CommandError(f"No company with the slug {slug!r}.")
        if csv:
            if not output:
                raise CommandError("--csv writes a zip file: name it with -o.")
            payload = company_export_csv_zip(company=company)
        else:
            payload = orjson.dumps(company_export(company=company), option=orjson.OPT_INDENT_2) + b"\n"
        if output:
            with open(output, "wb") as file:
                file.write(payload)
            self.stderr.write(f"Wrote {len(payload):,} bytes to {output}.")
        else:
            sys.stdout.buffer.write(payload)
