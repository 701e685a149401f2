"""The public event types webhooks carry, and the one table mapping the event table's verbs onto them.

The names are the contract with receivers: they change only with a new name.
An undone check-in is a correction whose ``data.payload.retracted`` is true
(``objectives.feed.VERB_CATALOGUE`` describes every payload).
"""

from objectives.models import Verb

#: Public type → the verbs it is sent for.
EVENT_TYPES: dict[str, tuple[Verb, ...]] = {
    "checkin.created": (Verb.CHECKIN_CREATED,),
    "checkin.corrected": (Verb.CHECKIN_CORRECTED, Verb.CHECKIN_UNDONE),
    "objective.created": (Verb.OBJECTIVE_CREATED,),
    "objective.activated": (Verb.OBJECTIVE_ACTIVATED,),
    "objective.status_changed": (Verb.OBJECTIVE_STATUS_CHANGED,),
    "key_result.created": (Verb.KEY_RESULT_CREATED,),
    "key_result.updated": (Verb.KEY_RESULT_UPDATED,),
    "key_result.deleted": (Verb.KEY_RESULT_DELETED,),
    "cycle.closed": (Verb.CYCLE_CLOSED,),
    "cycle.graded": (Verb.CYCLE_GRADING_ENDED,),
    "comment.created": (Verb.COMMENT_CREATED,),
}

#: What each type means, for the settings page and the API schema.
EVENT_TYPE_LABELS: dict[str, str] = {
    "checkin.created": "A check-in was recorded",
    "checkin.corrected": "A check-in was corrected or undone",
    "objective.created": "An objective was created",
    "objective.activated": "An objective was activated (or reopened)",
    "objective.status_changed": "An objective was closed, archived or sent back to draft",
    "key_result.created": "A key result was added",
    "key_result.updated": "A key result was changed",
    "key_result.deleted": "A key result was deleted",
    "cycle.closed": "A cycle was closed",
    "cycle.graded": "A cycle's grading ended (its scores are final)",
    "comment.created": "A comment was posted",
}

#: The type of the message "send test" delivers; it is no event of the table.
TEST_TYPE = "webhook.test"

TYPE_OF_VERB: dict[str, str] = {verb.value: name for name, verbs in EVENT_TYPES.items() for verb in verbs}
SENT_VERBS: tuple[str, ...] = tuple(TYPE_OF_VERB)
