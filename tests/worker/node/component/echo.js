'use strict';
// Echo: the body and headers received, plus what this Node step saw of the AMQP headers types.
exports.process = async function process(msg) {
    return { body: { received: msg.body, msgHeaders: msg.headers, via: 'node' } };
};
