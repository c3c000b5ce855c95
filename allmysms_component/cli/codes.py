"""The command line's exit codes and the text that documents them in every ``--help``."""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1         # the action emitted an error, the credentials were refused, component.json is invalid
EXIT_USAGE = 2         # bad command line, unreadable file, missing credentials, a simulator that cannot start
EXIT_REBOUND = 3       # nothing was sent; the platform would try the message again later
EXIT_MAYBE_SENT = 4    # interrupted once the request may have reached AllMySMS
EXIT_INTERRUPTED = 130  # interrupted before anything could be sent (128 + SIGINT, as shells report it)

EXIT_CODES = """exit codes:
  0  done: the SMS was accepted / the credentials verified / component.json is valid
  1  the action emitted an error, the credentials were refused, or component.json has errors
  2  usage error: bad arguments, unreadable file, missing credentials, or the simulator cannot start
     (port in use, trustme missing for --tls)
  3  rebound: nothing was sent, AllMySMS asked to try again later
  4  interrupted (Ctrl-C, SIGTERM) during a send: the SMS may have been sent; check the AllMySMS
     account before sending it again
130  interrupted before anything was sent"""
