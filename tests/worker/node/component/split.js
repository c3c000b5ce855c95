'use strict';
// Split: one data message per item of body.items, as a Node component emits them (all share one messageId).
exports.process = async function process(msg) {
    for (const item of msg.body.items) {
        await this.emit('data', { body: { item } });
    }
};
