"""Signals companies send to the apps above them, which it must not import."""

from django.dispatch import Signal

#: Sent after a company's ``rollup_child_objectives`` setting changed (kwargs: ``company``);
#: objectives recompute the company's roll-ups (objectives/receivers.py).
rollup_setting_changed = Signal()
