// Decrypts with the real sailor's Encryptor what Python encrypted: stdin {password, iv, items: [{version, content}]}
// (content is base64 of the bytes as published), stdout the list of decrypted values.
'use strict';
const Encryptor = require('elasticio-sailor-nodejs/lib/encryptor.js');

let input = '';
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', () => {
    const { password, iv, items } = JSON.parse(input);
    const encryptor = new Encryptor(password || undefined, iv || undefined);
    const out = items.map(({ version, content }) => encryptor.decryptMessageContent(
        Buffer.from(content, 'base64'), version < 2 ? 'base64' : undefined));
    process.stdout.write(JSON.stringify(out) + '\n');
});
