"""The platform worker: the sailor wire protocol over RabbitMQ, the credentials-check service, the send journal."""
