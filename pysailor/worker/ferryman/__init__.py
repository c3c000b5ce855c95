"""The Open Integration Hub's dialect: Ferryman 2.4.7's protocol (ferryman-protocol.md), beside the sailor's.

settings  the ``ELASTICIO_*`` variables Ferryman reads, with its defaults, and the ones OIH sets
token    the per-message ``orchestratorToken``: decoded, not verified (why: its docstring)
services the secret service (credentials) and the snapshots service, with the token's apiKey
wire     a delivery to the message ``process`` gets (OIH's ``data`` as ``body``), and every publish Ferryman makes
handler  one message, start to verdict (and what it does where Ferryman fails)
worker   the worker's run on OIH: the sailor worker's consumer and publisher around the Ferryman handler
"""
