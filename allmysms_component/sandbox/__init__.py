"""A local AllMySMS HTTP API v9 simulator, for offline runs and end-to-end tests over real sockets.

It reproduces the legacy "HTTP/HTTPS API" v9.0 as far as public sources document it (the research note
``reference/allmysms-api.md``, sections 2 and 6), so this module doubles as a readable summary of that API.
Standard library only; ``trustme`` is imported when TLS is asked for. It imports nothing else of the
package: it is the other side of the wire. ``rules`` and ``backend`` are the API, ``server`` the thin HTTP
server, ``faults`` what tests inject, ``simulator`` the object tests hold.

Transport
    Paths ``/http/9.0/<method>/``, trailing slash optional. GET query string, or POST
    ``application/x-www-form-urlencoded`` or ``multipart/form-data``. Parameters ``login``, ``apiKey``,
    ``smsData`` (a JSON string), ``campId``, ``returnformat`` (ignored: replies are always JSON). Business
    outcomes are always HTTP 200 with the outcome in the body's ``status``; the body is JSON served as
    ``text/html`` like the real server does (configurable). HTTP/1.1 with keep-alive.

``sendSms``
    ``smsData`` = ``{"DATA": {"MESSAGE", "TPOA", "SMS": [{"MOBILEPHONE": ...}], "CLIMSGID", "DATE",
    "MASTERACCOUNT", "DYNAMIC", "CAMPAIGN_NAME", ...}}``. Checked in this order, the first failure answers
    ``{"status": <int>, "statusText": "..."}``:

    ===  =================================================================
    102  no account matches ``login`` and ``apiKey``
    105  ``smsData`` missing or empty
    106  ``smsData`` is not JSON, or has no ``DATA`` object with an ``SMS`` list of objects
    110  ``MESSAGE`` missing or empty
    111  ``MESSAGE`` longer than ``max_message_length`` characters (640)
    115  ``DATE`` not ``YYYY-MM-DD HH:MM:SS``
    118  ``MASTERACCOUNT`` is not a known login
    114  no valid number
    103  no credit left
    104  not enough credit ("to use: XX credits, available: YY credits")
    ===  =================================================================

    Otherwise 100 (sent), or 101 when ``DATE`` (Paris time) is in the future: the campaign stays pending,
    paid for, until the simulator's clock reaches its date, then goes out. ``CAMPAIGN_NAME`` is recorded.
    Answer: ``status`` (int), ``statusText``,
    ``invalidNumbers`` ("|"-joined, as received), ``campaignId``, then ``credits`` (left), ``creditsUsed``,
    ``nbContacts``, ``nbSms`` as strings like the real API, and ``smsIds`` ``[{"phoneNumber", "smsId"}]``
    (UUIDs) for the accepted numbers, in request order.

    ``DYNAMIC`` n (one text per recipient): each ``SMS`` entry's ``PARAM_1`` to ``PARAM_n`` fill the
    ``#param_1#``... of ``MESSAGE`` for that recipient; parts and cost are counted on each recipient's text
    and added up, and 111 applies to the longest. A ``DYNAMIC`` that is not a count, or an entry without one
    of its n values, is 106 (what the real API does then is undocumented).
``simulateCampaign``
    Same checks, nothing sent or debited: ``{status, statusText, invalidNumbers, nbCredits, nbContacts,
    nbSms}`` (counters as JSON numbers here, as in the only documented example).
``getInfo``
    ``{"status": "Active Account", "credits": "<str>", "firstName", "lastName", "society", "email"}``, or
    the 102 body. The real reply also echoes the ``apiKey``; this one does not, so that a client logging
    replies cannot leak a key in tests.
``getAcks``
    ``campId`` -> ``{"acks": [{"phoneNumber", "status", "statut", "comment", "receptionDate"}],
    "cliMsgId"}``, one per SMS that went out; ``status`` (and its
    French twin ``statut``, sources disagree on the name) is the simulator's ``delivery`` outcome for the
    number, "3" (transmitted to operator) by default, until :meth:`AllMySmsSimulator.deliver` sets 1
    delivered, 2 not delivered, 4 message rejected or 5 SMS rejected. ``{"status": "0"}`` (no data) for an
    unknown campaign and for one whose SMS have not gone out (still scheduled, or cancelled).
``getPulls``
    ``{"mos": [{"phoneNumber", "id", "campaignId", "message", "receptionDate"}]}``: the account's replies,
    oldest first, the most recent ``limit`` (default 1000); :meth:`AllMySmsSimulator.reply` adds one.
``getBlacklist``
    ``{"blacklist": [{"phoneNumber", "comment": "stop", "receptionDate"}]}``: the simulator's ``blacklist``
    (the numbers it also refuses at send time), sorted; an empty list when it has none.
``deleteCampaign``
    ``campId`` of a pending campaign -> ``{"status": "OK"}``, credits refunded. Otherwise (the real refusals
    are undocumented) ``{"status": "KO", "statusText": "Unknown campaign" | "Campaign already sent" |
    "Campaign already cancelled"}``.
Anything else
    HTTP 404.

Numbers: ``0XXXXXXXXX`` (French national) becomes ``33XXXXXXXXX``; ``+`` or ``00`` prefixes are dropped;
any other 6-15 digit number not starting with 0 is kept as is. Anything else, and blacklisted numbers, go
to ``invalidNumbers`` and are not sent (status still 100 when at least one number is valid).

Cost: 15 credits per SMS part per recipient (the French rate). Parts: a text the GSM 03.38 alphabet can
carry counts septets (extension characters twice): 1 part up to 160, else parts of 153; any other text
counts UTF-16 code units: 1 part up to 70, else parts of 67. A part never splits an extension character's
two septets or a surrogate pair: one that does not fit starts the next part (67 emoji are 3 parts, not 2).

Pushes: with ``push_url``, :meth:`AllMySmsSimulator.deliver` and :meth:`AllMySmsSimulator.reply` push the
delivery report or the reply to that URL (a POSTed form, or the query of a GET), as AllMySMS pushes to the URL
set in its customer area, and record each push (its fields, the receiver's answer) in ``pushes``. Over
HTTP, for a simulator in another process: POST ``/sandbox/reply`` (``phoneNumber``, ``message``, optional
``login``, ``smsId``) and ``/sandbox/deliver`` (``smsId``, ``status``).

Faults (:meth:`AllMySmsSimulator.inject`) make the next requests slow, answer an HTTP error or a non-JSON
page, or drop the connection, with or without the SMS being recorded: what a client's retry logic must
survive without sending an SMS twice.

Usage::

    with AllMySmsSimulator() as sim:
        data = {"login": "sandbox", "apiKey": "sandbox-api-key", "smsData": json.dumps(
            {"DATA": {"MESSAGE": "Hello", "SMS": [{"MOBILEPHONE": "0612345678"}]}})}
        requests.post(f"{sim.url}/http/9.0/sendSms/", data=data, timeout=10)
        assert sim.received[0].phone_number == "33612345678"

Command line: ``allmysms-component sandbox --port 8080 [--tls] [--push-url URL]`` serves until Ctrl-C.
"""

from .faults import Fault
from .push import RecordedPush
from .rules import SANDBOX_ACCOUNT, TRIAL_ACCOUNT, Account, CampaignState, ReceivedSms
from .simulator import AllMySmsSimulator, RecordedRequest

__all__ = [
    "SANDBOX_ACCOUNT",
    "TRIAL_ACCOUNT",
    "Account",
    "AllMySmsSimulator",
    "CampaignState",
    "Fault",
    "ReceivedSms",
    "RecordedPush",
    "RecordedRequest",
]
