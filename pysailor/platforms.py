"""Which platform started the worker, read from its environment: elastic.io (the sailor's) or OIH (Ferryman's).

The two speak two dialects of one protocol (sailor-protocol.md, ferryman-protocol.md) and each sets its own
variables: the sailor's ``ELASTICIO_PUBLISH_MESSAGES_TO``, ``ELASTICIO_FLOW_ID``... mean elastic.io, OIH's
``ELASTICIO_NODE_EXCHANGE``, ``ELASTICIO_BACKCHANNEL_EXCHANGE``... mean the Open Integration Hub. The complete set
decides; a variable set to an empty string counts as missing, as both runtimes read it. Neither set complete is one
fatal line naming what each lacks (exit 1); both complete is a mix-up refused the same way, rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from .env import SettingsError
from .ferryman.settings import REQUIRED as FERRYMAN_REQUIRED
from .sailor.settings import PREFIX, REQUIRED, REQUIRED_FOR_MESSAGES

__all__ = ["FERRYMAN_REQUIRED", "SAILOR_REQUIRED", "Platform", "PlatformError", "choose", "missing"]

# What each runtime refuses to start without (sailor-protocol.md 2.2, ferryman-protocol.md 2), in their order.
SAILOR_REQUIRED = REQUIRED + REQUIRED_FOR_MESSAGES


class Platform(Enum):
    ELASTICIO = "elastic.io (the sailor's protocol)"
    OIH = "the Open Integration Hub (Ferryman's protocol)"


class PlatformError(SettingsError):
    """Neither platform's environment is complete, or both are: one fatal line, exit 1."""


def missing(env: Mapping[str, str], names: tuple[str, ...]) -> list[str]:
    """The ``ELASTICIO_`` variables of ``names`` that are unset or empty in ``env``."""
    return [PREFIX + name for name in names if not env.get(PREFIX + name)]


def choose(env: Mapping[str, str]) -> Platform:
    """The platform whose variables ``env`` holds, complete; PlatformError naming what is missing otherwise."""
    sailor, ferryman = missing(env, SAILOR_REQUIRED), missing(env, FERRYMAN_REQUIRED)
    if not sailor and not ferryman:
        raise PlatformError(
            "Cannot tell the platform: the environment holds both elastic.io's variables (ELASTICIO_PUBLISH_MESSAGES_TO"
            ", ELASTICIO_DATA_ROUTING_KEY...) and the Open Integration Hub's (ELASTICIO_BACKCHANNEL_EXCHANGE, "
            "ELASTICIO_NODE_EXCHANGE, ELASTICIO_OUTPUT_ROUTING_KEY); a step gets one platform's set, not both")
    if not sailor:
        return Platform.ELASTICIO
    if not ferryman:
        return Platform.OIH
    raise PlatformError(
        f"Cannot start: the environment is neither elastic.io's nor the Open Integration Hub's. For elastic.io (the "
        f"sailor's variables) it lacks {', '.join(sailor)}; for the Open Integration Hub (Ferryman's) it lacks "
        f"{', '.join(ferryman)}")
