// Ciphertexts made by the real sailor's Encryptor (elasticio-sailor-nodejs 2.7.8), for the Python cipher tests.
// Usage: node vectors.js > ../../data/sailor/vectors.json   (messages from stdin as a JSON list, or the defaults)
'use strict';
const Encryptor = require('elasticio-sailor-nodejs/lib/encryptor.js');

const PASSWORD = 'testCryptoPassword';
const IV = 'iv=any16_symbols';
const messages = [
    { id: 'm-1', body: { mobileNumbers: '33612345678', senderName: 'MyShop', messageText: 'Hello' }, headers: {} },
    { body: { text: 'Émile à Noël: 😀 ∑ 日本語', nested: { list: [1, 2.5, true, null] } }, headers: { a: 'b' } },
    { body: {} },
    'a bare string',
    { body: { long: 'x'.repeat(1000) } },
];

const encrypted = new Encryptor(PASSWORD, IV);
const plain = new Encryptor(undefined, undefined);
const vectors = messages.map(message => ({
    message,
    v1: encrypted.encryptMessageContent(message, 'base64').toString(),
    v2: encrypted.encryptMessageContent(message).toString('base64'),
    v1NoPassword: plain.encryptMessageContent(message, 'base64').toString(),
    v2NoPassword: plain.encryptMessageContent(message).toString('utf8'),
}));
process.stdout.write(JSON.stringify({
    sailor: require('elasticio-sailor-nodejs/package.json').version,
    password: PASSWORD,
    iv: IV,
    vectors,
}, null, 2) + '\n');
