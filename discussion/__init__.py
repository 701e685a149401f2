"""Conversation on OKRs: comments (one level of replies), mentions and reactions."""
