// @functionsmfa/client against the real service (a real Kestrel socket on 127.0.0.1 and a real Azurite, started by
// the xunit fixture tests/FunctionsMfa.Tests/Client/ClientPackageTests.cs, which runs `node --test` on this folder).
// Every method, every resource field, and the error mapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FunctionsMfa, MfaApiError, SignIn, User, PhoneNumber } from '@functionsmfa/client';
import {
  env, newUserId, totpCode, wrongTotpCode, createSignIn, nextSmsCode, freshPhoneNumber, sleep,
} from './support.mjs';

/** The client with a fetch that records what goes on the wire (the real fetch does the work). */
function recordingClient() {
  const requests = [];
  const mfa = new FunctionsMfa({
    baseUrl: env.apiUrl + '/',
    // A browser's window.fetch throws "Illegal invocation" when called as a method of another object; so does this one.
    fetch: async function (url, init) {
      if (this !== undefined && this !== globalThis) {
        throw new TypeError('Illegal invocation');
      }
      requests.push({ url: new URL(url), method: init.method, headers: { ...init.headers }, body: init.body });
      return fetch(url, init);
    },
  });
  return { mfa, requests };
}

/** A user without a second factor signs in at once; the backend hands its session token to the page. */
async function signedInWithoutSecondFactor(mfa) {
  const userId = newUserId();
  const created = await createSignIn(userId);
  assert.equal(created.status, 'complete');
  return { userId, user: await mfa.getUser({ sessionToken: created.session_token }) };
}

/** A user with TOTP (enrolled through the client); returns the secret and the first backup codes. */
async function enrolledUser(mfa) {
  const { userId, user } = await signedInWithoutSecondFactor(mfa);
  const totp = await user.createTOTP();
  const verified = await user.verifyTOTP({ code: totpCode(totp.secret) });
  return { userId, secret: totp.secret, backupCodes: verified.backupCodes };
}

/** A second-factor sign-in completed with the next TOTP step; returns the user with a fresh (step-up) session. */
async function signInWithTotp(mfa, userId, secret) {
  const created = await createSignIn(userId);
  const signIn = await mfa.getSignIn({ id: created.id, clientToken: created.client_token });
  await signIn.attemptSecondFactor({ strategy: 'totp', code: totpCode(secret, 1) });
  assert.equal(signIn.status, 'complete');
  return mfa.getUser({ sessionToken: signIn.sessionToken });
}

async function rejects(promise) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MfaApiError, `expected an MfaApiError, got ${error}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

function assertRecent(date, label) {
  assert.ok(date instanceof Date, `${label} is a Date`);
  assert.ok(Math.abs(date.getTime() - Date.now()) < 60_000, `${label} is about now`);
}

test('the constructor needs a baseUrl', () => {
  assert.throws(() => new FunctionsMfa({ baseUrl: '' }), TypeError);
  assert.equal(new FunctionsMfa({ baseUrl: 'http://127.0.0.1:1///' }).baseUrl, 'http://127.0.0.1:1');
});

test('getUser reads the MFA summary of a user without a second factor', async () => {
  const { mfa } = recordingClient();
  const { userId, user } = await signedInWithoutSecondFactor(mfa);
  assert.ok(user instanceof User);
  assert.equal(user.id, userId);
  assert.equal(user.twoFactorEnabled, false);
  assert.equal(user.totpEnabled, false);
  assert.equal(user.backupCodeEnabled, false);
  assert.equal(user.backupCodesRemaining, 0);
  assert.deepEqual(user.phoneNumbers, []);
});

test('createTOTP and verifyTOTP enrol an authenticator app, with the first backup codes', async () => {
  const { mfa, requests } = recordingClient();
  const { user } = await signedInWithoutSecondFactor(mfa);

  const totp = await user.createTOTP();
  assert.match(totp.id, /^totp_/);
  // Checks on secrets say what failed without printing them.
  assert.ok(/^[A-Z2-7]{32}$/.test(totp.secret), 'the secret is 160 bits of base32');
  assert.ok(totp.uri.startsWith('otpauth://totp/'), 'an otpauth URI');
  assert.ok(new URL(totp.uri).searchParams.get('secret') === totp.secret, 'the URI carries the secret');
  assert.ok(totp.qrCode.startsWith('data:image/svg+xml'));
  assert.equal(totp.verified, false);
  assert.equal(totp.backupCodes, null);
  assertRecent(totp.createdAt, 'createdAt');
  assertRecent(totp.updatedAt, 'updatedAt');

  const wrong = await rejects(user.verifyTOTP({ code: wrongTotpCode(totp.secret) }));
  assert.equal(wrong.status, 422);
  assert.equal(wrong.code, 'form_code_incorrect');
  assert.equal(wrong.message, 'Incorrect code');
  assert.equal(wrong.errors[0].meta.paramName, 'code');

  const verified = await user.verifyTOTP({ code: totpCode(totp.secret) });
  assert.equal(verified.id, totp.id);
  assert.equal(verified.verified, true);
  assert.equal(verified.secret, null, 'the secret is shown only on creation');
  assert.equal(verified.uri, null);
  assert.equal(verified.qrCode, null);
  assert.equal(verified.backupCodes.length, 10);
  assertRecent(verified.updatedAt, 'updatedAt');

  await user.reload();
  assert.equal(user.twoFactorEnabled, true);
  assert.equal(user.totpEnabled, true);
  assert.equal(user.backupCodeEnabled, true);
  assert.equal(user.backupCodesRemaining, 10);

  // Every write was a simple CORS request: a POST with a form body and no header but Authorization.
  for (const request of requests.filter((r) => r.method !== 'GET')) {
    assert.equal(request.method, 'POST');
    assert.ok(request.body instanceof URLSearchParams);
    assert.deepEqual(Object.keys(request.headers), ['Authorization']);
  }
  const attempt = requests.find((r) => r.url.pathname === '/v1/me/totp/attempt_verification');
  assert.deepEqual([...attempt.body.keys()], ['code']);
});

test('getSignIn, attemptSecondFactor with TOTP: a wrong code with tries left, then complete with a session token', async () => {
  const { mfa, requests } = recordingClient();
  const { userId, secret } = await enrolledUser(mfa);
  const created = await createSignIn(userId);
  assert.equal(created.status, 'needs_second_factor');

  const signIn = await mfa.getSignIn({ id: created.id, clientToken: created.client_token });
  assert.ok(signIn instanceof SignIn);
  assert.equal(signIn.id, created.id);
  assert.equal(signIn.status, 'needs_second_factor');
  assert.deepEqual(signIn.supportedSecondFactors, [
    { strategy: 'totp', phoneNumberId: null, safeIdentifier: null, default: false },
    { strategy: 'backup_code', phoneNumberId: null, safeIdentifier: null, default: false },
  ]);
  assert.equal(signIn.secondFactorVerification, null);
  assert.equal(signIn.createdSessionId, null);
  assert.equal(signIn.sessionToken, null);
  assert.ok(signIn.abandonAt instanceof Date);
  assert.ok(Math.abs(signIn.abandonAt.getTime() - (Date.now() + 10 * 60_000)) < 60_000, 'abandonAt is 10 minutes ahead');

  const wrong = await rejects(signIn.attemptSecondFactor({ strategy: 'totp', code: wrongTotpCode(secret) }));
  assert.equal(wrong.status, 422);
  assert.equal(wrong.code, 'form_code_incorrect');
  assert.equal(wrong.errors[0].meta.attemptsRemaining, 9);
  assert.match(wrong.traceId, /\S/);

  const same = await signIn.attemptSecondFactor({ strategy: 'totp', code: totpCode(secret, 1) });
  assert.equal(same, signIn, 'resolves to the same SignIn, updated');
  assert.equal(signIn.status, 'complete');
  assert.match(signIn.createdSessionId, /^sess_/);
  assert.equal(signIn.sessionToken.split('.').length, 3);
  assert.deepEqual(signIn.secondFactorVerification, { status: 'verified', strategy: 'totp', attempts: null, expireAt: null, error: null });
  assert.deepEqual(signIn.supportedSecondFactors, []);

  const user = await mfa.getUser({ sessionToken: signIn.sessionToken });
  assert.equal(user.id, userId);

  const again = await rejects(signIn.attemptSecondFactor({ strategy: 'totp', code: totpCode(secret, 1) }));
  assert.equal(again.status, 409);
  assert.equal(again.code, 'sign_in_already_completed');

  const token = signIn.sessionToken;
  await signIn.reload();
  assert.equal(signIn.status, 'complete');
  assert.equal(signIn.sessionToken, token, 'reload keeps the token the completing call returned');

  const read = requests.filter((r) => r.url.pathname === `/v1/client/sign_ins/${created.id}`);
  assert.ok(read.every((r) => r.method === 'GET' && r.headers.Authorization === `Bearer ${created.client_token}`));
});

test('createBackupCode replaces the set, and a backup code completes a sign-in once', async () => {
  const { mfa } = recordingClient();
  const { userId, secret, backupCodes: first } = await enrolledUser(mfa);
  const user = await signInWithTotp(mfa, userId, secret);

  const set = await user.createBackupCode();
  assert.match(set.id, /^bc_/);
  assert.equal(set.codes.length, 10);
  assert.equal(new Set(set.codes).size, 10);
  assert.ok(set.codes.every((code) => !first.includes(code)), 'a fresh set');
  assertRecent(set.createdAt, 'createdAt');
  assertRecent(set.updatedAt, 'updatedAt');

  const old = await createSignIn(userId);
  const oldSignIn = await mfa.getSignIn({ id: old.id, clientToken: old.client_token });
  const replaced = await rejects(oldSignIn.attemptSecondFactor({ strategy: 'backup_code', code: first[0] }));
  assert.equal(replaced.code, 'form_code_incorrect');

  const created = await createSignIn(userId);
  const signIn = await mfa.getSignIn({ id: created.id, clientToken: created.client_token });
  await signIn.attemptSecondFactor({ strategy: 'backup_code', code: set.codes[3] });
  assert.equal(signIn.status, 'complete');
  assert.equal(signIn.secondFactorVerification.strategy, 'backup_code');

  const reused = await createSignIn(userId);
  const reusedSignIn = await mfa.getSignIn({ id: reused.id, clientToken: reused.client_token });
  const used = await rejects(reusedSignIn.attemptSecondFactor({ strategy: 'backup_code', code: set.codes[3] }));
  assert.equal(used.code, 'form_code_incorrect');

  assert.equal((await user.reload()).backupCodesRemaining, 9);
});

test('disableTOTP removes the authenticator app, with a DELETE tunnelled through POST', async () => {
  const { mfa, requests } = recordingClient();
  const { userId, secret } = await enrolledUser(mfa);
  const user = await signInWithTotp(mfa, userId, secret);
  const deleted = await user.disableTOTP();
  assert.equal(deleted.object, 'totp');
  assert.match(deleted.id, /^totp_/);
  assert.equal(deleted.deleted, true);
  const request = requests.at(-1);
  assert.equal(request.method, 'POST');
  assert.equal(request.url.searchParams.get('_method'), 'DELETE');

  await user.reload();
  assert.equal(user.totpEnabled, false);
  assert.equal(user.twoFactorEnabled, false);
  assert.equal(user.backupCodeEnabled, false, 'the backup codes go with the last factor');
});

test('a session without a recent second factor gets session_reverification_required', async () => {
  const { mfa } = recordingClient();
  const { user } = await signedInWithoutSecondFactor(mfa);
  const totp = await user.createTOTP();
  await user.verifyTOTP({ code: totpCode(totp.secret) });
  // This session's sign-in had no second factor (fva[1] = -1), and the user now has one.
  const error = await rejects(user.createBackupCode());
  assert.equal(error.status, 403);
  assert.equal(error.code, 'session_reverification_required');
});

test('phone numbers: createPhoneNumber, verification by SMS, 429 with retryAfter, reserve, default, phone_code sign-in, destroy', async () => {
  const { mfa, requests } = recordingClient();
  const { userId, secret } = await enrolledUser(mfa);
  const user = await signInWithTotp(mfa, userId, secret);
  const number = freshPhoneNumber();

  const phone = await user.createPhoneNumber({ phoneNumber: number });
  assert.ok(phone instanceof PhoneNumber);
  assert.match(phone.id, /^idn_/);
  assert.equal(phone.phoneNumber, number);
  assert.equal(phone.verification, null);
  assert.equal(phone.verified, false);
  assert.equal(phone.reservedForSecondFactor, false);
  assert.equal(phone.defaultSecondFactor, false);
  assert.equal(phone.backupCodes, null);
  assertRecent(phone.createdAt, 'createdAt');
  assertRecent(phone.updatedAt, 'updatedAt');

  const notVerified = await rejects(phone.setReservedForSecondFactor({ reserved: true }));
  assert.equal(notVerified.code, 'phone_number_not_verified');
  assert.equal(notVerified.errors[0].meta.paramName, 'reserved_for_second_factor');

  assert.equal(await phone.prepareVerification(), phone);
  assert.equal(phone.verification.status, 'unverified');
  assert.equal(phone.verification.strategy, 'phone_code');
  assert.equal(phone.verification.attempts, 0);
  assert.ok(phone.verification.expireAt.getTime() > Date.now() + 9 * 60_000, 'the code is valid for 10 minutes');

  const tooSoon = await rejects(phone.prepareVerification());
  assert.equal(tooSoon.status, 429);
  assert.equal(tooSoon.code, 'too_many_requests');
  assert.ok(Number.isInteger(tooSoon.retryAfter) && tooSoon.retryAfter >= 1, `retryAfter ${tooSoon.retryAfter}`);
  assert.equal(tooSoon.errors[0].meta.retryAfterSeconds, tooSoon.retryAfter);

  const code = await nextSmsCode(number);
  const wrongCode = code === '000000' ? '111111' : '000000';
  const wrong = await rejects(phone.attemptVerification({ code: wrongCode }));
  assert.equal(wrong.code, 'form_code_incorrect');
  assert.equal(wrong.errors[0].meta.attemptsRemaining, 2);

  await phone.attemptVerification({ code });
  assert.equal(phone.verified, true);
  assert.equal(phone.verification.status, 'verified');

  await phone.setReservedForSecondFactor({ reserved: true });
  assert.equal(phone.reservedForSecondFactor, true);
  const patch = requests.at(-1);
  assert.equal(patch.url.searchParams.get('_method'), 'PATCH');
  assert.deepEqual(Object.fromEntries(patch.body), { reserved_for_second_factor: 'true' });

  await phone.makeDefaultSecondFactor();
  assert.equal(phone.defaultSecondFactor, true);

  await user.reload();
  assert.equal(user.phoneNumbers.length, 1);
  const listed = user.phoneNumbers[0];
  assert.ok(listed instanceof PhoneNumber);
  assert.equal(listed.id, phone.id);
  assert.equal(listed.phoneNumber, number);
  assert.equal(listed.verified, true);
  assert.equal(listed.reservedForSecondFactor, true);
  assert.equal(listed.defaultSecondFactor, true);

  // The sign-in texts the number; the service keeps 2 s (this fixture's Mfa:Sms:MinInterval) between sends.
  await sleep(tooSoon.retryAfter * 1000);
  const created = await createSignIn(userId);
  const signIn = await mfa.getSignIn({ id: created.id, clientToken: created.client_token });
  const factor = signIn.supportedSecondFactors.find((f) => f.strategy === 'phone_code');
  assert.deepEqual(factor, { strategy: 'phone_code', phoneNumberId: phone.id, safeIdentifier: '+*******' + number.slice(-4), default: true });
  await signIn.prepareSecondFactor({ strategy: 'phone_code', phoneNumberId: factor.phoneNumberId });
  assert.equal(signIn.secondFactorVerification.status, 'unverified');
  assert.equal(signIn.secondFactorVerification.strategy, 'phone_code');
  assert.equal(signIn.secondFactorVerification.attempts, 0);
  assert.ok(signIn.secondFactorVerification.expireAt instanceof Date);
  assert.equal(signIn.secondFactorVerification.error, null);
  assert.deepEqual(Object.fromEntries(requests.at(-1).body), { strategy: 'phone_code', phone_number_id: phone.id });

  const smsCode = await nextSmsCode(number);
  await signIn.attemptSecondFactor({ strategy: 'phone_code', code: smsCode });
  assert.equal(signIn.status, 'complete');
  assert.equal(signIn.secondFactorVerification.status, 'verified');
  assert.equal(signIn.secondFactorVerification.attempts, 1, 'the one try that succeeded');

  const fresh = await mfa.getUser({ sessionToken: signIn.sessionToken });
  const destroyed = await fresh.phoneNumbers[0].destroy();
  assert.deepEqual(destroyed, { object: 'phone_number', id: phone.id, deleted: true });
  assert.equal(requests.at(-1).url.searchParams.get('_method'), 'DELETE');
  assert.deepEqual((await fresh.reload()).phoneNumbers, []);
});

test('ten wrong codes lock the user: user_locked with lockoutExpiresInSeconds, and a right code is refused', async () => {
  const { mfa } = recordingClient();
  const { userId, secret } = await enrolledUser(mfa);
  const created = await createSignIn(userId);
  const signIn = await mfa.getSignIn({ id: created.id, clientToken: created.client_token });
  const wrongCode = wrongTotpCode(secret);
  for (let remaining = 9; remaining >= 1; remaining--) {
    const error = await rejects(signIn.attemptSecondFactor({ strategy: 'totp', code: wrongCode }));
    assert.equal(error.errors[0].meta.attemptsRemaining, remaining);
  }
  const locked = await rejects(signIn.attemptSecondFactor({ strategy: 'totp', code: wrongCode }));
  assert.equal(locked.status, 403);
  assert.equal(locked.code, 'user_locked');
  assert.equal(locked.errors[0].meta.attemptsRemaining, 0);
  const seconds = locked.errors[0].meta.lockoutExpiresInSeconds;
  assert.ok(seconds > 3500 && seconds <= 3600, `lockoutExpiresInSeconds ${seconds}`);
  assert.equal(locked.message, locked.errors[0].longMessage);

  const next = await createSignIn(userId);
  const nextSignIn = await mfa.getSignIn({ id: next.id, clientToken: next.client_token });
  const refused = await rejects(nextSignIn.attemptSecondFactor({ strategy: 'totp', code: totpCode(secret, 1) }));
  assert.equal(refused.code, 'user_locked');
});

test('the error envelope maps to MfaApiError: 401, 404, unknown strategy, a body that is not JSON', async () => {
  const { mfa } = recordingClient();
  const unauthorized = await rejects(mfa.getUser({ sessionToken: 'not-a-token' }));
  assert.equal(unauthorized.status, 401);
  assert.equal(unauthorized.code, 'authentication_invalid');
  assert.equal(unauthorized.retryAfter, null);
  assert.match(unauthorized.traceId, /\S/);
  assert.equal(unauthorized.name, 'MfaApiError');
  assert.ok(unauthorized instanceof Error);

  const created = await createSignIn(newUserId());
  const missing = await rejects(mfa.getSignIn({ id: 'sia_' + '0'.repeat(24), clientToken: created.client_token }));
  assert.equal(missing.status, 404);
  assert.equal(missing.code, 'resource_not_found');

  const { userId } = await enrolledUser(mfa);
  const pending = await createSignIn(userId);
  const signIn = await mfa.getSignIn({ id: pending.id, clientToken: pending.client_token });
  const strategy = await rejects(signIn.attemptSecondFactor({ strategy: 'phone_code', code: '123456' }));
  assert.equal(strategy.code, 'strategy_for_user_invalid');
  assert.equal(strategy.errors[0].meta.paramName, 'strategy');

  const html = new FunctionsMfa({
    baseUrl: env.apiUrl,
    fetch: async () => new Response('<html>bad gateway</html>', { status: 502, headers: { 'Retry-After': '7' } }),
  });
  const gateway = await rejects(html.getUser({ sessionToken: 'x' }));
  assert.equal(gateway.status, 502);
  assert.deepEqual(gateway.errors, []);
  assert.equal(gateway.retryAfter, 7);
  assert.equal(gateway.message, 'HTTP 502');
});

test('endSession signs out: POST /v1/me/sessions/{sid}/end, and the token is refused at once', async () => {
  const { mfa, requests } = recordingClient();
  const created = await createSignIn(newUserId());
  const user = await mfa.getUser({ sessionToken: created.session_token });

  const ended = await user.endSession();
  assert.deepEqual(ended, { object: 'session', id: created.created_session_id, userId: user.id, status: 'ended' });
  const request = requests.at(-1);
  assert.equal(request.method, 'POST');
  assert.equal(request.url.pathname, `/v1/me/sessions/${created.created_session_id}/end`);

  const refused = await rejects(mfa.getUser({ sessionToken: created.session_token }));
  assert.equal(refused.status, 401);
  assert.equal((await rejects(user.reload())).status, 401);
});
