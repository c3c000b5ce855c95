"""allmysms-component: an integration-platform action that sends SMS through the AllMySMS HTTPS API.

The platform loads ``allmysms_component/actions/send_sms.py`` (named in component.json) and calls its
``process(msg, cfg, snapshot)`` for each message; ``verify_credentials.verify`` checks the credentials.
"""
