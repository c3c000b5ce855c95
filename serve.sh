#!/bin/sh
# A one-shot call, as elastic.io starts it: `serve.sh verifyCredentials` posts its result to the platform.
exec allmysms-component service "$@"
