'use strict';
// A stand-in for the original Node AllMySMS component, for the bench: posts the same form as the Python action
// (login, apiKey, returnformat, smsData) to ALLMYSMS_API_URL and returns the answer. Not a port: no checks.
const http = require('http');

const agent = new http.Agent({ keepAlive: true });

function post(url, form) {
    return new Promise((resolve, reject) => {
        const body = new URLSearchParams(form).toString();
        const request = http.request(url, {
            method: 'POST', agent,
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
        }, response => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', chunk => { text += chunk; });
            response.on('end', () => resolve(JSON.parse(text)));
        });
        request.on('error', reject);
        request.end(body);
    });
}

exports.process = async function sendSms(msg, cfg) {
    const { mobileNumbers, senderName, messageText } = msg.body;
    const smsData = JSON.stringify({ DATA: {
        MESSAGE: messageText, TPOA: senderName, CLIMSGID: msg.id,
        SMS: mobileNumbers.split(',').map(n => ({ MOBILEPHONE: n.trim() })),
    } });
    const answer = await post(`${global.process.env.ALLMYSMS_API_URL}/http/9.0/sendSms/`,
        { login: cfg.login, apiKey: cfg.apiKey, returnformat: 'json', smsData });
    return { body: answer };
};
