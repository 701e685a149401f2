"""A department's parent and a department membership's department stay in the row's company.

PostgreSQL only (``okrhub.tenant_keys``); a no-op on SQLite.
"""

from django.db import migrations

from okrhub.tenant_keys import company_id_unique, same_company_key


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0002_text_validators"),
    ]

    operations = [
        company_id_unique("departments_department"),
        same_company_key("departments_department", "parent_id", "departments_department"),
        same_company_key("departments_departmentmembership", "department_id", "departments_department"),
    ]
