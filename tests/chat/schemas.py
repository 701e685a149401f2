"""JSON Schema subsets of Slack's Block Kit and of Adaptive Cards 1.4, for the elements OKRHub sends.

Written from Slack's block reference (api.slack.com/reference/block-kit) and
the Adaptive Card schema (adaptivecards.io/schemas/adaptive-card.json): block
and element types, required fields, text length limits, identifiers. Unknown
properties are refused, so a typo in a field name fails too.
"""

import jsonschema

_plain = {
    "type": "object",
    "properties": {
        "type": {"const": "plain_text"},
        "text": {"type": "string", "minLength": 1},
        "emoji": {"type": "boolean"},
    },
    "required": ["type", "text"],
    "additionalProperties": False,
}


def _plain_max(limit: int) -> dict:
    return {
        **_plain,
        "properties": {**_plain["properties"], "text": {"type": "string", "minLength": 1, "maxLength": limit}},
    }


_mrkdwn = {
    "type": "object",
    "properties": {"type": {"const": "mrkdwn"}, "text": {"type": "string", "minLength": 1, "maxLength": 3000}},
    "required": ["type", "text"],
    "additionalProperties": False,
}
_id = {"type": "string", "minLength": 1, "maxLength": 255}
_option = {
    "type": "object",
    "properties": {"text": _plain_max(75), "value": {"type": "string", "minLength": 1, "maxLength": 150}},
    "required": ["text", "value"],
    "additionalProperties": False,
}
_button = {
    "type": "object",
    "properties": {
        "type": {"const": "button"},
        "text": _plain_max(75),
        "action_id": _id,
        "url": {"type": "string", "maxLength": 3000, "pattern": "^https?://"},
        "value": {"type": "string", "maxLength": 2000},
        "style": {"enum": ["primary", "danger"]},
    },
    "required": ["type", "text", "action_id"],
    "additionalProperties": False,
}
_plain_input = {
    "type": "object",
    "properties": {
        "type": {"const": "plain_text_input"},
        "action_id": _id,
        "placeholder": _plain_max(150),
        "multiline": {"type": "boolean"},
        "max_length": {"type": "integer", "minimum": 1, "maximum": 3000},
        "initial_value": {"type": "string"},
    },
    "required": ["type", "action_id"],
    "additionalProperties": False,
}
_static_select = {
    "type": "object",
    "properties": {
        "type": {"const": "static_select"},
        "action_id": _id,
        "options": {"type": "array", "items": _option, "minItems": 1, "maxItems": 100},
        "initial_option": _option,
    },
    "required": ["type", "action_id", "options"],
    "additionalProperties": False,
}
_blocks = {
    "header": {
        "properties": {"type": {"const": "header"}, "text": _plain_max(150), "block_id": _id},
        "required": ["type", "text"],
    },
    "section": {
        "properties": {"type": {"const": "section"}, "text": {"oneOf": [_mrkdwn, _plain_max(3000)]}, "block_id": _id},
        "required": ["type", "text"],
    },
    "actions": {
        "properties": {
            "type": {"const": "actions"},
            "block_id": _id,
            "elements": {"type": "array", "items": _button, "minItems": 1, "maxItems": 25},
        },
        "required": ["type", "elements"],
    },
    "context": {
        "properties": {
            "type": {"const": "context"},
            "block_id": _id,
            "elements": {"type": "array", "items": _mrkdwn, "minItems": 1, "maxItems": 10},
        },
        "required": ["type", "elements"],
    },
    "input": {
        "properties": {
            "type": {"const": "input"},
            "block_id": _id,
            "label": _plain_max(2000),
            "optional": {"type": "boolean"},
            "element": {"oneOf": [_plain_input, _static_select]},
        },
        "required": ["type", "label", "element"],
    },
}
BLOCK = {"oneOf": [{"type": "object", "additionalProperties": False, **schema} for schema in _blocks.values()]}
MESSAGE = {
    "type": "object",
    "properties": {
        "text": {"type": "string", "minLength": 1, "maxLength": 40000},
        "blocks": {
            "type": "array",
            "items": {**BLOCK, "not": {"properties": {"type": {"const": "input"}}}},
            "maxItems": 50,
        },
    },
    "required": ["text", "blocks"],
}
MODAL = {
    "type": "object",
    "properties": {
        "type": {"const": "modal"},
        "callback_id": _id,
        "title": _plain_max(24),
        "submit": _plain_max(24),
        "close": _plain_max(24),
        "private_metadata": {"type": "string", "maxLength": 3000},
        "blocks": {"type": "array", "items": BLOCK, "minItems": 1, "maxItems": 100},
    },
    "required": ["type", "title", "blocks"],
    "additionalProperties": False,
}

_text_block = {
    "type": "object",
    "properties": {
        "type": {"const": "TextBlock"},
        "text": {"type": "string"},
        "wrap": {"type": "boolean"},
        "size": {"enum": ["Default", "Small", "Medium", "Large", "ExtraLarge"]},
        "weight": {"enum": ["Default", "Lighter", "Bolder"]},
        "isSubtle": {"type": "boolean"},
    },
    "required": ["type", "text"],
    "additionalProperties": False,
}
_fact_set = {
    "type": "object",
    "properties": {
        "type": {"const": "FactSet"},
        "facts": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {"title": {"type": "string"}, "value": {"type": "string"}},
                "required": ["title", "value"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["type", "facts"],
    "additionalProperties": False,
}
_open_url = {
    "type": "object",
    "properties": {
        "type": {"const": "Action.OpenUrl"},
        "title": {"type": "string"},
        "url": {"type": "string", "format": "uri", "pattern": "^https?://"},
    },
    "required": ["type", "url"],
    "additionalProperties": False,
}
ADAPTIVE_CARD = {
    "type": "object",
    "properties": {
        "type": {"const": "AdaptiveCard"},
        "$schema": {"const": "http://adaptivecards.io/schemas/adaptive-card.json"},
        "version": {"const": "1.4"},
        "body": {"type": "array", "items": {"oneOf": [_text_block, _fact_set]}, "minItems": 1},
        "actions": {"type": "array", "items": _open_url},
    },
    "required": ["type", "version", "body"],
    "additionalProperties": False,
}
TEAMS_MESSAGE = {
    "type": "object",
    "properties": {
        "type": {"const": "message"},
        "attachments": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "contentType": {"const": "application/vnd.microsoft.card.adaptive"},
                    "contentUrl": {"type": "null"},
                    "content": ADAPTIVE_CARD,
                },
                "required": ["contentType", "content"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["type", "attachments"],
    "additionalProperties": False,
}


def check(instance: object, schema: dict) -> None:
    jsonschema.validate(instance, schema)
