"""Every write to cycles, objectives, key results, check-ins and dependencies.

Each service takes the company and the acting :class:`~companies.tenancy.Actor`
explicitly, checks the permission matrix, validates (``full_clean`` plus the
rules the database cannot check) and writes in one transaction. Objects of
another company are refused as not found. Writes that change progress inputs
schedule the roll-up after commit.
"""

from objectives.services._common import MAX_VALUE as MAX_VALUE
from objectives.services.carry_over import CarryItem as CarryItem
from objectives.services.carry_over import CarryOverInvalid as CarryOverInvalid
from objectives.services.carry_over import cycle_carry_over as cycle_carry_over
from objectives.services.checkins import NeedsConfirmation as NeedsConfirmation
from objectives.services.checkins import checkin_create as checkin_create
from objectives.services.corrections import checkin_correct as checkin_correct
from objectives.services.corrections import checkin_undo as checkin_undo
from objectives.services.corrections import latest_checkin_id as latest_checkin_id
from objectives.services.cycles import cycle_activate as cycle_activate
from objectives.services.cycles import cycle_close as cycle_close
from objectives.services.cycles import cycle_create as cycle_create
from objectives.services.cycles import cycle_update as cycle_update
from objectives.services.dependencies import dependency_create as dependency_create
from objectives.services.dependencies import dependency_delete as dependency_delete
from objectives.services.grading import cycle_grading_end as cycle_grading_end
from objectives.services.grading import cycles_grading_end_all_companies as cycles_grading_end_all_companies
from objectives.services.grading import key_result_grade as key_result_grade
from objectives.services.key_results import KEY_RESULT_EDITABLE as KEY_RESULT_EDITABLE
from objectives.services.key_results import key_result_create as key_result_create
from objectives.services.key_results import key_result_delete as key_result_delete
from objectives.services.key_results import key_result_update as key_result_update
from objectives.services.objectives import OBJECTIVE_EDITABLE as OBJECTIVE_EDITABLE
from objectives.services.objectives import OBJECTIVE_TRANSITIONS as OBJECTIVE_TRANSITIONS
from objectives.services.objectives import may_place_objective as may_place_objective
from objectives.services.objectives import objective_activate as objective_activate
from objectives.services.objectives import objective_create as objective_create
from objectives.services.objectives import objective_delete as objective_delete
from objectives.services.objectives import objective_set_status as objective_set_status
from objectives.services.objectives import objective_update as objective_update
from objectives.services.objectives import owned_count as owned_count
from objectives.services.objectives import owner_reassign as owner_reassign
from objectives.services.planning import PLAN_TRANSITIONS as PLAN_TRANSITIONS
from objectives.services.planning import plan_approve as plan_approve
from objectives.services.planning import plan_return as plan_return
from objectives.services.planning import plan_submit as plan_submit
from objectives.services.retrospectives import objective_retrospective_write as objective_retrospective_write
from objectives.services.shared_key_results import shared_key_result_create as shared_key_result_create
from objectives.services.shared_key_results import shared_key_result_delete as shared_key_result_delete
from objectives.services.weekly import MAX_BATCH_ITEMS as MAX_BATCH_ITEMS
from objectives.services.weekly import BatchItem as BatchItem
from objectives.services.weekly import BatchResult as BatchResult
from objectives.services.weekly import CheckInBatchInvalid as CheckInBatchInvalid
from objectives.services.weekly import checkins_batch as checkins_batch
