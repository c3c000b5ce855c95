"""The elastic.io dialect: the Node sailor 2.7.8's wire protocol (sailor-protocol.md).

settings  the ``ELASTICIO_*`` environment, with the sailor's defaults and parsing quirks
cipher    AES-256-CBC as the sailor encrypts message bodies
codec     an AMQP delivery to the message ``process`` gets; outgoing bodies; the error payload
headers   the outgoing AMQP headers and properties for each event
rebound   the rebound iteration and its expiration
wire      the dialect: one method per event kind, for the delivery pipeline
"""
