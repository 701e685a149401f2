"""Progress history: one snapshot per objective and key result per day, and the day's totals.

- :class:`ObjectiveSnapshot` and :class:`KeyResultSnapshot` hold, for each
  local day (the company's time zone) of a running cycle, an objective's or a
  key result's state at the end of that day. ``progress`` NULL means unknown,
  never zero, as in the live columns.
- :class:`DailyTotal` is the sum a chart needs, per cycle, day and
  department: how many counted objectives (active or closed that day), how
  many of them had a known progress and the sum of those. A scope's progress
  on a day is ``progress_sum / known`` (``objectives.progress.mean_of_sums``)
  over its departments' rows, so a dashboard reads ~100 rows per day at most,
  not 10,000 snapshots. ``department_key`` is the objective's department when
  the snapshot was taken, 0 for company level: a bucket label, not a
  reference (a department deleted since leaves its history under its old id).
- :class:`SnapshotRun` records that a company's day was snapshotted: the
  nightly task picks the companies whose last run is older than their local
  yesterday (``insights.snapshots``).

Every row is written by ``insights.snapshots`` only; every unique constraint
is led by ``company`` (the isolation boundary and distribution column), and
the composite keys of migration 0001 keep every reference inside the company.
The snapshot tables grow by 50,000 rows a night at 10,000 objectives, so
they carry what the reads need and no more: the snapshots' references,
``company`` included, carry no single-column constraint of their own
(``db_constraint=False``): the composite key checks the same reference and
its company on PostgreSQL (a row of the referenced table exists, in a company
that exists), and every constraint is a trigger run per inserted row (they
were two thirds of the nightly insert). A key result's snapshot names only
its key result (its objective is the key result's).
Deleting an objective or a key result still deletes its snapshots (Django's
collector, through the indexed ``objective_id`` and ``key_result_id``).
"""

from django.db import models
from django.utils import timezone

from objectives.models import VALUE_DIGITS, Confidence, ObjectiveStatus


class ObjectiveSnapshot(models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False, db_constraint=False)
    day = models.DateField(help_text="Local date (company time zone) whose end the snapshot shows.")
    objective = models.ForeignKey(
        "objectives.Objective", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    # No index of their own either: only deleting a cycle or a department looks snapshots up by them.
    cycle = models.ForeignKey(
        "objectives.Cycle", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    department = models.ForeignKey(
        "departments.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    status = models.CharField(max_length=8, choices=ObjectiveStatus.choices)
    progress = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "day", "objective"], name="objective_snapshot_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"objective {self.objective_id} on {self.day}: {self.progress}"


class KeyResultSnapshot(models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False, db_constraint=False)
    day = models.DateField(help_text="Local date (company time zone) whose end the snapshot shows.")
    key_result = models.ForeignKey(
        "objectives.KeyResult", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    value = models.DecimalField(**VALUE_DIGITS, null=True, blank=True)
    confidence = models.CharField(max_length=9, choices=Confidence.choices, blank=True)
    progress = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "day", "key_result"], name="key_result_snapshot_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"key result {self.key_result_id} on {self.day}: {self.value}"


class DailyTotal(models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    cycle = models.ForeignKey("objectives.Cycle", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    department_key = models.BigIntegerField(help_text="The objectives' department id that day; 0 = company level.")
    objectives = models.PositiveIntegerField(help_text="Counted (active or closed) objectives that day.")
    known = models.PositiveIntegerField(help_text="How many of them had a known progress.")
    progress_sum = models.FloatField(help_text="The sum of their known progress.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "cycle", "day", "department_key"], name="daily_total_once_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"cycle {self.cycle_id} department {self.department_key} on {self.day}"


class SnapshotRun(models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    day = models.DateField(help_text="The local day snapshotted (and every earlier one of its cycles).")
    objectives = models.PositiveIntegerField(default=0)
    key_results = models.PositiveIntegerField(default=0)
    backfilled_days = models.PositiveIntegerField(default=0, help_text="Earlier days rebuilt from check-ins.")
    seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "day"], name="snapshot_run_once_a_day")]

    def __str__(self) -> str:
        return f"snapshot of {self.company_id} for {self.day}"
