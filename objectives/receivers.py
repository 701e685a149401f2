"""What objectives do when the apps below them say something changed."""

from django.dispatch import receiver

from companies.models import Company
from companies.signals import rollup_setting_changed
from objectives.scheduling import schedule_full_recompute


@receiver(rollup_setting_changed)
def recompute_after_rollup_setting(sender, *, company: Company, **kwargs) -> None:
    schedule_full_recompute(company_id=company.pk)
