"""The Open Integration Hub's dialect: Ferryman 2.4.7's wire protocol (ferryman-protocol.md), beside the sailor's.

settings  the ``ELASTICIO_*`` variables Ferryman reads, with its defaults, and the ones OIH sets
token     the per-message ``orchestratorToken``: decoded, not verified (why: its docstring)
services  the secret service (credentials) and the snapshots service, with the token's apiKey
wire      the bodies, headers and properties of every publish Ferryman makes, and OIH's ``data`` as ``body``
dialect   ``FerrymanDialect``: a delivery opened with its token, credentials and snapshot; one method per event
"""
