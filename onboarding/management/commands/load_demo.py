from django.core.management.base import BaseCommand

from onboarding.demo import DEMO_PASSWORD, DEMO_SLUG, PEOPLE, load_demo


class Command(BaseCommand):
    help = "Load the demo company (the seed cascade of DESIGN §1) and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Where the app is served.")

    def handle(self, *args, url: str, **options):
        demo = load_demo()
        verb = "Created" if demo.created else "Found"
        self.stdout.write(self.style.SUCCESS(f"{verb} the demo company “{demo.company.name}”."))
        self.stdout.write("")
        self.stdout.write(f"  Open {url}/c/{DEMO_SLUG}/ and sign in with any of (password: {DEMO_PASSWORD}):")
        for email, full_name, role, department, department_role in PEOPLE:
            where = f", {department_role} of {department}" if department else ""
            self.stdout.write(f"    {email:36} {full_name} — {role}{where}")
        self.stdout.write(f"  Operator admin: {url}/admin/ as admin@demo.okrhub.test")
        self.stdout.write("")
