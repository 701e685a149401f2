"""Every reference between cycles, objectives, key results, check-ins and dependencies stays in one company.

PostgreSQL only (``okrhub.tenant_keys``); a no-op on SQLite.
"""

from django.db import migrations

from okrhub.tenant_keys import company_id_unique, same_company_key


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0003_same_company_keys"),
        ("objectives", "0004_text_validators"),
    ]

    operations = [
        company_id_unique("objectives_cycle"),
        company_id_unique("objectives_objective"),
        company_id_unique("objectives_keyresult"),
        same_company_key("objectives_objective", "cycle_id", "objectives_cycle"),
        same_company_key("objectives_objective", "department_id", "departments_department"),
        same_company_key("objectives_objective", "parent_id", "objectives_objective"),
        same_company_key("objectives_keyresult", "objective_id", "objectives_objective"),
        same_company_key("objectives_checkin", "key_result_id", "objectives_keyresult"),
        same_company_key("objectives_dependency", "from_objective_id", "objectives_objective"),
        same_company_key("objectives_dependency", "to_objective_id", "objectives_objective"),
    ]
