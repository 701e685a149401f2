"""The OKR pages: my key results with inline check-ins, department OKRs, objective and key result detail.

Every write goes through ``objectives.services``; forms only parse. Plain
POSTs redirect (or re-render the page with errors); htmx requests get the
fragment they target back, with 422 when the form has errors.
"""

from objectives.views._common import _cycles as _cycles
from objectives.views.activity import activity as activity
from objectives.views.activity import feed_section as feed_section
from objectives.views.checkins import check_in as check_in
from objectives.views.checkins import checkin_correct as checkin_correct
from objectives.views.checkins import checkin_undo as checkin_undo
from objectives.views.checkins import my_key_results as my_key_results
from objectives.views.dependencies import dependency_add as dependency_add
from objectives.views.dependencies import dependency_remove as dependency_remove
from objectives.views.dependencies import shared_key_result_remove as shared_key_result_remove
from objectives.views.grading import cycle_carry_over as cycle_carry_over
from objectives.views.grading import cycle_grading as cycle_grading
from objectives.views.grading import key_result_grade as key_result_grade
from objectives.views.hints import key_result_hints as key_result_hints
from objectives.views.hints import objective_hints as objective_hints
from objectives.views.hints import parent_options as parent_options
from objectives.views.key_results import key_result_create as key_result_create
from objectives.views.key_results import key_result_delete as key_result_delete
from objectives.views.key_results import key_result_detail as key_result_detail
from objectives.views.key_results import key_result_edit as key_result_edit
from objectives.views.objectives import objective_create as objective_create
from objectives.views.objectives import objective_detail as objective_detail
from objectives.views.objectives import objective_edit as objective_edit
from objectives.views.objectives import objective_status as objective_status
from objectives.views.overlaps import overlap_convert_view as overlap_convert_view
from objectives.views.overlaps import overlap_dismiss_view as overlap_dismiss_view
from objectives.views.overlaps import overlap_section as overlap_section
from objectives.views.planning import cycle_planning as cycle_planning
from objectives.views.planning import plan_action as plan_action
from objectives.views.report import cycle_report_download as cycle_report_download
from objectives.views.report import cycle_report_page as cycle_report_page
from objectives.views.retrospectives import objective_retrospective as objective_retrospective
from objectives.views.transfer import okr_import as okr_import
from objectives.views.weekly import weekly_checkin as weekly_checkin
