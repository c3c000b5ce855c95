'use strict';
// Fail: throws with the payload's `message` (tests/worker/component/wtc/fail.py in Node).
exports.process = async function process(msg) {
    throw new Error((msg.data && msg.data.message) || 'it failed');
};
