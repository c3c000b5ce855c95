"""Each recipient's own text, with a Recipients list: the text sent to AllMySMS (the trial prefix and the STOP
mention around the user's ``#param_n#`` text), and what each recipient gets once AllMySMS fills in the values,
checked by the same rules as one text for everyone (blank, control characters, the 160 cut or the parts cap).

AllMySMS renders the texts, so none can be cut: a text that would be is refused, naming the recipients (masked).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import InvalidInputError
from ..rules import personal, recipients, text
from ..rules.options import SendOptions

SHOWN = 5  # recipients named in an error


def prepare_each(message: str, values: Mapping[str, Sequence[str]], numbers: Sequence[str], *, trial: bool,
                 label: str, options: SendOptions) -> tuple[text.PreparedText, dict[str, text.PreparedText]]:
    """The text sent (``#param_n#`` kept) with the worst encoding and the most parts of any recipient, and each
    number's own text; InvalidInputError when one would be cut."""
    template = (text.TRIAL_PREFIX if trial else "") + message
    suffix = text.STOP_MENTION if options.marketing and not text.has_stop_mention(message) else ""
    if suffix:
        template = template.rstrip() + suffix
    texts: dict[str, text.PreparedText] = {}
    too_long: list[str] = []
    for number in numbers:
        rendered = personal.render(template, values[number])
        prepared = text.prepare(rendered, label=label, max_parts=options.max_parts)
        if prepared.truncated:
            too_long.append(number)
        texts[number] = prepared
    if too_long:
        limit = "160 characters" if options.max_parts <= 1 else f"{options.max_parts} SMS parts"
        raise InvalidInputError(
            [f"{label} with its values is longer than {limit} for {len(too_long)} recipient(s) "
             f"({recipients.mask_all(too_long, SHOWN)}); AllMySMS fills in the values, so a text cannot be cut per "
             f"recipient: shorten the text or those values, or raise Maximum SMS parts"], field="messageText")
    encoding: text.Encoding = "UCS-2" if any(t.encoding == "UCS-2" for t in texts.values()) else "GSM-7"
    segments = max((t.segments for t in texts.values()), default=1)
    return text.PreparedText(template, False, encoding, segments, stop_mention_added=bool(suffix)), texts
