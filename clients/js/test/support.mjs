// What the client's tests (and the browser test) need from outside the client, each from an independent source:
// TOTP codes from oathtool, SMS codes from the File provider's JSON lines, sign-ins from the backend API (secret key).
// The service under test runs on the real clock, on 127.0.0.1; the xunit fixture that starts it sets these variables.
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';

export const env = {
  apiUrl: required('MFA_API_URL'),
  secretKey: required('MFA_SECRET_KEY'),
  smsFile: required('MFA_SMS_FILE'),
  phoneNumbers: required('MFA_PHONE_NUMBERS').split(','),
};

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: these tests run from the xunit fixture (FunctionsMfa.Tests, Client/Browser).`);
  }
  return value;
}

let phoneIndex = 0;

/** A fresh valid mobile number (E.164) of the fixture's; each test uses its own. */
export function freshPhoneNumber() {
  if (phoneIndex >= env.phoneNumbers.length) {
    throw new Error('The fixture handed out too few phone numbers (MFA_PHONE_NUMBERS).');
  }
  return env.phoneNumbers[phoneIndex++];
}

export function newUserId() {
  return 'user_' + crypto.randomUUID().replaceAll('-', '');
}

/** The TOTP code `steps` steps (30 s) from now, from oathtool (RFC 6238, SHA1, 6 digits). */
export function totpCode(secret, steps = 0) {
  const at = Math.floor(Date.now() / 1000) + 30 * steps;
  return execFileSync('oathtool', ['--totp', '-b', '--now', `@${at}`, secret], { encoding: 'utf8' }).trim();
}

/** A well-formed code that no step in the window accepts. */
export function wrongTotpCode(secret) {
  const valid = new Set([-2, -1, 0, 1, 2].map((steps) => totpCode(secret, steps)));
  return ['000000', '111111', '222222', '333333'].find((code) => !valid.has(code));
}

/** The backend's call after its password check: `POST /v1/sign_ins` with the secret key. */
export async function createSignIn(userId) {
  const response = await fetch(`${env.apiUrl}/v1/sign_ins`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${env.secretKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ user_id: userId }),
  });
  const body = await response.json();
  if (!response.ok) {
    throw new Error(`POST /v1/sign_ins answered ${response.status}: ${body.errors?.[0]?.code}`);
  }
  return body;
}

const smsRead = new Map();

/** The lines that end in a newline: the provider may be appending the last one as it is read. */
const completeLines = (text) => text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);

/** The code of the next SMS to `to` that this process has not read yet (the queue is drained in the background). */
export async function nextSmsCode(to, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sent = existsSync(env.smsFile)
      ? completeLines(readFileSync(env.smsFile, 'utf8')).map((line) => JSON.parse(line)).filter((sms) => sms.to === to)
      : [];
    const read = smsRead.get(to) ?? 0;
    if (sent.length > read) {
      smsRead.set(to, sent.length);
      return sent[sent.length - 1].code;
    }
    if (Date.now() > deadline) {
      throw new Error(`No new SMS went to ${to} within ${timeoutMs} ms.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
