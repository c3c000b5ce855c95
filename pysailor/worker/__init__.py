"""The platform worker: the sailor wire protocol over RabbitMQ and the credentials-check service.

``allmysms-component worker`` runs one step of a flow the way elastic.io's sailor does (reference:
sailor-protocol.md): it consumes the step's queue, decrypts each message, runs the function named by
``ELASTICIO_FUNCTION`` through the runtime's event semantics, publishes what it emits (encrypted) with publisher
confirms, then acks or rejects. ``allmysms-component service verifyCredentials`` checks credentials once and posts
the answer. README.md, "Running on the platform", is the operator's guide; each module below does one job:

settings      the ``ELASTICIO_*`` environment, with the sailor's defaults and parsing quirks
cipher        AES-256-CBC as the sailor encrypts message bodies
codec         an AMQP delivery to the message ``process`` gets; outgoing bodies; the error payload
headers       the outgoing AMQP headers and properties for each event
rebound       the rebound iteration and its expiration
throttle      the per-process rate limits on data, error and snapshot publishes
publisher     publishing with confirms, ``mandatory``, retries with back-off and reconnection
redeliveries  recognising a redelivery of a message this process is running or has settled
stepdata      the step's configuration and snapshot from the platform API
component     finding and loading the function in component.json
handler       one message: decode, run, publish each event, decide ack or reject
consumer      the connection, the consumer, reconnects and the orderly stop
service       the verifyCredentials service
main          the entry points: ``run_worker(env, open_gatekeeper)``, ``run_service(method, check, env)``
"""
