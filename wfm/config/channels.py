"""Channel types and their defaults: phone, chat, e-mail, letter, fax, web form, social, callback.

A queue's ``channel`` is a free name (it must match the forecast), but a known
name, or an explicit ``channel_type``, gives the queue the defaults of its
type: the keys below that the queue (and ``[defaults]``) leave out.  Practice
behind the numbers: shared/reference/channel-models.md

* **letter**: deferred work, answered within 5 days (section 2.4: "deadlines
  are in days"; the deadline is elapsed time, so 5 d covers a working week);
* **fax**, **webform**: deferred work within 24 h, like e-mail (section 2.4:
  web forms follow the e-mail model);
* **social** (WhatsApp, Facebook, Instagram, messaging): public posts carry a
  short response target of about 1 h (section 2.4); for a deadline of an hour
  or less the reference recommends Erlang C with answer time t = D
  (section 2.2), so 80 % answered within 1 h under Erlang C;
* **callback** (requests from an app or web page, answered by calling back):
  deferred work with a short deadline, 3 h (section 3.3 returns callbacks
  within 3 h);
* **phone**, **chat**, **email** keep their existing defaults (no change).

Each default applies only where neither the queue nor ``[defaults]`` sets
the key: the channel type is more specific than the center-wide defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

ChannelType = Literal["phone", "chat", "email", "letter", "fax", "webform", "social", "callback"]
CHANNEL_TYPES: tuple[str, ...] = get_args(ChannelType)

CHANNEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "letter": {"model": "deferred", "deadline": "5d"},
    "fax": {"model": "deferred", "deadline": "24h"},
    "webform": {"model": "deferred", "deadline": "24h"},
    "social": {"model": "erlang_c", "target": "80/1h"},
    "callback": {"model": "deferred", "deadline": "3h"},
}

# Names seen in configs and ACD exports -> channel type (lower case).
CHANNEL_TYPE_ALIASES: dict[str, str] = {
    "voice": "phone",
    "call": "phone",
    "telephone": "phone",
    "telefon": "phone",
    "e-mail": "email",
    "mail": "email",
    "post": "letter",
    "brief": "letter",
    "letters": "letter",
    "telefax": "fax",
    "web form": "webform",
    "web-form": "webform",
    "web_form": "webform",
    "contact form": "webform",
    "kontaktformular": "webform",
    "whatsapp": "social",
    "facebook": "social",
    "messenger": "social",
    "instagram": "social",
    "twitter": "social",
    "message": "social",
    "messaging": "social",
    "social media": "social",
    "call back": "callback",
    "call-back": "callback",
    "rückruf": "callback",
}

# Export channel names mapped onto our channel names when history is read
# (wfm.io.history): the social networks and the new deferred channels.
EXPORT_CHANNEL_NAMES: dict[str, str] = {
    name: kind
    for name, kind in CHANNEL_TYPE_ALIASES.items()
    if kind in ("letter", "fax", "webform", "social", "callback")
}


def channel_type_of(channel: str) -> str | None:
    """The channel type of a channel name (``None`` for a name we do not know)."""
    name = str(channel).strip().lower()
    if name in CHANNEL_TYPES:
        return name
    return CHANNEL_TYPE_ALIASES.get(name)


def with_channel_defaults(queue: Mapping[str, Any]) -> dict[str, Any]:
    """The queue's keys with its channel type's defaults filled in where missing.

    Sets ``channel_type`` (explicit, else from the channel name, else left out).
    """
    out = dict(queue)
    kind = out.get("channel_type")
    if kind is None and isinstance(out.get("channel"), str):
        kind = channel_type_of(out["channel"])
    if kind is None:
        return out
    out["channel_type"] = kind
    for key, value in CHANNEL_DEFAULTS.get(str(kind), {}).items():
        out.setdefault(key, value)
    return out
