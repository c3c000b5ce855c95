#!/bin/sh
# The step, as elastic.io starts it (`sail.sh`) and as the image's CMD (the Open Integration Hub).
exec allmysms-component worker
