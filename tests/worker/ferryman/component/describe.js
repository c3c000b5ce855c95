'use strict';
// Describe: the payload, cfg and snapshot it was given, as OIH components put their payload: in `data`.
// tests/worker/component/wtc/describe.py does the same in Python, with `body`.
exports.process = async function process(msg, cfg, snapshot) {
    return { data: { received: msg.data, cfg, snapshot }, metadata: msg.metadata };
};
