// @ts-check
// The sample SPA: Clerk's "comprehensive example" for TOTP, backup codes and phone numbers, written against
// @functionsmfa/client. Each button calls one client method; its answer or its error is said in words on the page
// (#message) and kept in the log. The sign-in starts at the sample backend (samples/backend/server.mjs), which holds
// the secret key; everything else goes straight from this page to FunctionsMfa, across origins.
import { FunctionsMfa, MfaApiError } from '@functionsmfa/client';

/** @typedef {import('@functionsmfa/client').User} User */
/** @typedef {import('@functionsmfa/client').SignIn} SignIn */
/** @typedef {import('@functionsmfa/client').PhoneNumber} PhoneNumber */

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** @param {string} id */
const input = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));

const state = {
  /** @type {FunctionsMfa | null} */ mfa: null,
  /** @type {SignIn | null} */ signIn: null,
  /** @type {User | null} */ user: null,
  /** @type {PhoneNumber | null} */ phone: null,
  /** @type {string[]} */ backupCodes: [],
};

const strategyNames = { totp: 'Authenticator app', phone_code: 'Text message', backup_code: 'Backup code' };

// ---- Saying what happened -------------------------------------------------------------------------------------

/** @param {number} seconds */
function duration(seconds) {
  if (seconds < 90) {
    return `${seconds} second${seconds === 1 ? '' : 's'}`;
  }
  const minutes = Math.ceil(seconds / 60);
  return minutes < 90 ? `${minutes} minutes` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * An error in words: what went wrong and what the user can do, from the error's stable code and its meta.
 * @param {unknown} error
 * @param {'signin' | 'phone' | 'totp'} [context]
 */
export function describeError(error, context) {
  if (!(error instanceof MfaApiError)) {
    return `Could not reach the service (${error instanceof Error ? error.message : String(error)}).`;
  }
  const meta = error.errors[0]?.meta ?? {};
  switch (error.code) {
    case 'form_code_incorrect': {
      const left = meta.attemptsRemaining;
      if (typeof left !== 'number') {
        return 'That code is incorrect. Type the code your authenticator app shows now.';
      }
      const tries = `${left} ${left === 1 ? 'try' : 'tries'} left`;
      return context === 'phone'
        ? `That code is incorrect: ${tries} for this code.`
        : `That code is incorrect: ${tries} before your account is locked.`;
    }
    case 'user_locked':
      return `Too many wrong codes: your account is locked for ${duration(Number(meta.lockoutExpiresInSeconds ?? 0))}. ` +
        'Try again then, or ask support to unlock it.';
    case 'too_many_requests': {
      const wait = error.retryAfter ?? Number(meta.retryAfterSeconds ?? 0);
      return `Too many codes sent: wait ${duration(wait)} before asking for another one.`;
    }
    case 'session_reverification_required':
      return 'This change needs a recent second step: sign out, then sign in again with your second factor.';
    case 'verification_failed':
      return 'Too many wrong codes for this number: remove it and add it again.';
    default:
      return `${error.message} (${error.code ?? 'no code'}, HTTP ${error.status}).`;
  }
}

/**
 * @param {string} method the client method that answered
 * @param {string} words what it means for the user
 * @param {unknown} [answer] the answer itself, for the log
 */
function report(method, words, answer) {
  show('ok', method, words, answer);
}

/** @param {string} method @param {unknown} error @param {'signin' | 'phone' | 'totp'} [context] */
function reportError(method, error, context) {
  show('error', method, describeError(error, context), error instanceof MfaApiError
    ? { status: error.status, errors: error.errors, retryAfter: error.retryAfter, traceId: error.traceId }
    : String(error));
}

/** @param {'ok' | 'error'} kind @param {string} method @param {string} words @param {unknown} answer */
function show(kind, method, words, answer) {
  const message = $('message');
  message.className = kind;
  message.textContent = words;
  const item = document.createElement('li');
  item.className = kind;
  item.append(Object.assign(document.createElement('strong'), { textContent: method + ': ' }), words);
  if (answer !== undefined) {
    // The page's own tokens stay out of the log; codes and secrets are the user's and are shown anyway.
    const json = JSON.stringify(answer, (key, value) => {
      if (key === 'sessionToken' && value) {
        return '(set)';
      }
      return typeof value === 'string' && value.startsWith('data:') ? `(a ${value.length}-character data URI)` : value;
    }, 2);
    item.append(Object.assign(document.createElement('pre'), { textContent: json }));
  }
  $('log').prepend(item);
}

/**
 * Runs one action of a button; a failure is reported, never thrown.
 * @param {string} method
 * @param {() => Promise<void>} action
 * @param {'signin' | 'phone' | 'totp'} [context]
 */
async function run(method, action, context) {
  try {
    await action();
  } catch (error) {
    reportError(method, error, context);
  }
}

// ---- Signing in ---------------------------------------------------------------------------------------------------

$('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  run('sign in', async () => {
    const userId = input('user-id').value.trim();
    const answer = await fetch('/api/sign_in', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId }),
    });
    const body = await answer.json();
    if (!answer.ok) {
      // The backend passes the service's error envelope on: say it like any other error.
      throw new MfaApiError({
        status: answer.status,
        errors: (body.errors ?? [{ code: 'sample_backend_error', message: body.error, long_message: body.error, meta: {} }])
          .map((/** @type {any} */ e) => ({ code: e.code, message: e.message, longMessage: e.long_message, meta: e.meta ?? {} })),
        retryAfter: null,
        traceId: body.trace_id ?? null,
      });
    }
    await signOutLocally();
    if (body.status === 'complete') {
      await loadUser(body.sessionToken);
      report('sign in', `Signed in as ${userId}: no second factor is set up, so no second step.`);
      return;
    }
    const mfa = /** @type {FunctionsMfa} */ (state.mfa);
    const signIn = await mfa.getSignIn({ id: body.signInId, clientToken: body.clientToken });
    state.signIn = signIn;
    const select = /** @type {HTMLSelectElement} */ ($('strategy'));
    select.replaceChildren(...signIn.supportedSecondFactors.map((factor) => Object.assign(document.createElement('option'), {
      value: factor.phoneNumberId ? `phone_code:${factor.phoneNumberId}` : factor.strategy,
      textContent: strategyNames[factor.strategy] + (factor.safeIdentifier ? ` to ${factor.safeIdentifier}` : ''),
      selected: factor.default,
    })));
    onStrategyChange();
    $('second-step').hidden = false;
    report('getSignIn', `Password accepted for ${userId}. Second step: ` +
      signIn.supportedSecondFactors.map((f) => strategyNames[f.strategy] + (f.safeIdentifier ? ` (${f.safeIdentifier})` : '')).join(', ') +
      `. This sign-in expires at ${signIn.abandonAt.toLocaleTimeString()}.`, signIn);
  });
});

function selectedStrategy() {
  const [strategy, phoneNumberId] = /** @type {HTMLSelectElement} */ ($('strategy')).value.split(':');
  return { strategy: /** @type {'totp' | 'phone_code' | 'backup_code'} */ (strategy), phoneNumberId };
}

function onStrategyChange() {
  const { strategy } = selectedStrategy();
  $('send-code').hidden = strategy !== 'phone_code';
  input('signin-code').placeholder = strategy === 'backup_code' ? 'a backup code' : '6 digits';
}
$('strategy').addEventListener('change', onStrategyChange);

$('send-code').addEventListener('click', () => run('prepareSecondFactor', async () => {
  const signIn = /** @type {SignIn} */ (state.signIn);
  const { phoneNumberId } = selectedStrategy();
  await signIn.prepareSecondFactor({ strategy: 'phone_code', phoneNumberId });
  const expires = signIn.secondFactorVerification?.expireAt;
  report('prepareSecondFactor', `Code sent by SMS; it works until ${expires ? expires.toLocaleTimeString() : 'it expires'}.`, signIn);
}));

$('second-step').addEventListener('submit', (event) => {
  event.preventDefault();
  run('attemptSecondFactor', async () => {
    const signIn = /** @type {SignIn} */ (state.signIn);
    const { strategy } = selectedStrategy();
    await signIn.attemptSecondFactor({ strategy, code: input('signin-code').value.trim() });
    input('signin-code').value = '';
    if (signIn.status !== 'complete' || !signIn.sessionToken) {
      report('attemptSecondFactor', `The sign-in is ${signIn.status.replaceAll('_', ' ')}.`, signIn);
      return;
    }
    $('second-step').hidden = true;
    await loadUser(signIn.sessionToken);
    report('attemptSecondFactor', `Signed in with ${strategyNames[strategy].toLowerCase()} (session ${signIn.createdSessionId}).`, signIn);
  }, 'signin');
});

// ---- The signed-in user -------------------------------------------------------------------------------------------

/** @param {string} sessionToken */
async function loadUser(sessionToken) {
  const mfa = /** @type {FunctionsMfa} */ (state.mfa);
  state.user = await mfa.getUser({ sessionToken });
  state.phone = state.user.phoneNumbers[0] ?? null;
  $('account').hidden = false;
  render();
}

function render() {
  const user = state.user;
  if (!user) {
    $('account').hidden = true;
    return;
  }
  const phones = user.phoneNumbers.map((p) => `${p.phoneNumber} (${[p.verified ? 'verified' : 'not verified',
    p.reservedForSecondFactor ? 'for two-step verification' : '', p.defaultSecondFactor ? 'default' : ''].filter(Boolean).join(', ')})`);
  $('account-summary').textContent = `Signed in as ${user.id}. Two-step verification is ${user.twoFactorEnabled ? 'on' : 'off'}; ` +
    `authenticator app ${user.totpEnabled ? 'on' : 'off'}; ` +
    `backup codes ${user.backupCodeEnabled ? `on, ${user.backupCodesRemaining} left` : 'off'}; ` +
    `phone numbers: ${phones.length ? phones.join('; ') : 'none'}.`;
  $('create-totp').hidden = user.totpEnabled;
  $('disable-totp').hidden = !user.totpEnabled;
  if (user.totpEnabled) {
    $('totp-setup').hidden = true;
  }
  const codes = $('backup-codes');
  codes.replaceChildren(...state.backupCodes.map((code) => Object.assign(document.createElement('li'), { textContent: code })));
  $('backup-codes-box').hidden = state.backupCodes.length === 0;
  const phone = state.phone;
  $('phone-setup').hidden = !phone;
  if (phone) {
    $('phone-status').textContent = `${phone.phoneNumber}: ${phone.verified ? 'verified' : 'not verified yet'}` +
      `${phone.reservedForSecondFactor ? ', used for two-step verification' : ''}${phone.defaultSecondFactor ? ', the default' : ''}.`;
    $('reserve-phone').textContent = phone.reservedForSecondFactor ? 'Stop using it for two-step verification' : 'Use for two-step verification';
  }
}

async function refresh() {
  const user = /** @type {User} */ (state.user);
  await user.reload();
  if (state.phone) {
    const id = state.phone.id;
    state.phone = user.phoneNumbers.find((p) => p.id === id) ?? null;
  }
  render();
}

/** @param {string[] | null} codes */
function showBackupCodes(codes) {
  state.backupCodes = codes ?? [];
}

$('create-totp').addEventListener('click', () => run('createTOTP', async () => {
  const totp = await /** @type {User} */ (state.user).createTOTP();
  /** @type {HTMLImageElement} */ ($('totp-qr')).src = totp.qrCode ?? '';
  $('totp-secret').textContent = totp.secret;
  $('totp-uri').textContent = totp.uri;
  $('totp-setup').hidden = false;
  input('totp-code').focus();
  report('createTOTP', 'New secret made: scan the QR code (or type the secret) in your authenticator app, then enter the code it shows.', totp);
}));

$('totp-verify-form').addEventListener('submit', (event) => {
  event.preventDefault();
  run('verifyTOTP', async () => {
    const totp = await /** @type {User} */ (state.user).verifyTOTP({ code: input('totp-code').value.trim() });
    input('totp-code').value = '';
    showBackupCodes(totp.backupCodes);
    await refresh();
    report('verifyTOTP', 'Authenticator app verified: two-step verification is on.' +
      (totp.backupCodes ? ` Here are your ${totp.backupCodes.length} backup codes; save them now.` : ''), totp);
  }, 'totp');
});

$('disable-totp').addEventListener('click', () => run('disableTOTP', async () => {
  const deleted = await /** @type {User} */ (state.user).disableTOTP();
  showBackupCodes(null);
  await refresh();
  // Reported last, like every action: the log line means the page shows the new state.
  report('disableTOTP', 'Authenticator app removed.', deleted);
}));

$('regenerate-codes').addEventListener('click', () => run('createBackupCode', async () => {
  const set = await /** @type {User} */ (state.user).createBackupCode();
  showBackupCodes(set.codes);
  await refresh();
  report('createBackupCode', `${set.codes.length} new backup codes; the old ones no longer work.`, set);
}));

$('download-codes').addEventListener('click', () => {
  const text = `Backup codes for ${state.user?.id} (each works once)\n\n${state.backupCodes.join('\n')}\n`;
  const link = Object.assign(document.createElement('a'), {
    href: URL.createObjectURL(new Blob([text], { type: 'text/plain' })),
    download: 'backup-codes.txt',
  });
  link.click();
  URL.revokeObjectURL(link.href);
  report('download', 'Backup codes saved as backup-codes.txt.');
});

$('phone-form').addEventListener('submit', (event) => {
  event.preventDefault();
  run('createPhoneNumber', async () => {
    const phone = await /** @type {User} */ (state.user).createPhoneNumber({ phoneNumber: input('phone-input').value.trim() });
    input('phone-input').value = '';
    state.phone = phone;
    await refresh();
    report('createPhoneNumber', `${phone.phoneNumber} added; text it a code to verify it.`, phone);
  });
});

$('send-phone-code').addEventListener('click', () => run('prepareVerification', async () => {
  const phone = /** @type {PhoneNumber} */ (state.phone);
  await phone.prepareVerification();
  const expires = phone.verification?.expireAt;
  report('prepareVerification', `Code sent to ${phone.phoneNumber}; it works until ${expires ? expires.toLocaleTimeString() : 'it expires'}.`, phone);
}));

$('phone-verify-form').addEventListener('submit', (event) => {
  event.preventDefault();
  run('attemptVerification', async () => {
    const phone = /** @type {PhoneNumber} */ (state.phone);
    await phone.attemptVerification({ code: input('phone-code').value.trim() });
    input('phone-code').value = '';
    await refresh();
    report('attemptVerification', `${phone.phoneNumber} verified.`, phone);
  }, 'phone');
});

$('reserve-phone').addEventListener('click', () => run('setReservedForSecondFactor', async () => {
  const phone = /** @type {PhoneNumber} */ (state.phone);
  const reserved = !phone.reservedForSecondFactor;
  await phone.setReservedForSecondFactor({ reserved });
  if (phone.backupCodes) {
    showBackupCodes(phone.backupCodes);
  }
  await refresh();
  report('setReservedForSecondFactor', reserved
    ? `${phone.phoneNumber} now receives sign-in codes.${phone.backupCodes ? ' Two-step verification is on: save your backup codes.' : ''}`
    : `${phone.phoneNumber} no longer receives sign-in codes.`, phone);
}));

$('default-phone').addEventListener('click', () => run('makeDefaultSecondFactor', async () => {
  const phone = /** @type {PhoneNumber} */ (state.phone);
  await phone.makeDefaultSecondFactor();
  await refresh();
  report('makeDefaultSecondFactor', `${phone.phoneNumber} is the default for sign-in codes.`, phone);
}));

$('remove-phone').addEventListener('click', () => run('destroy', async () => {
  const phone = /** @type {PhoneNumber} */ (state.phone);
  const deleted = await phone.destroy();
  state.phone = null;
  await refresh();
  report('destroy', `${phone.phoneNumber} removed.`, deleted);
}));

$('sign-out').addEventListener('click', () => run('endSession', async () => {
  const user = state.user;
  await signOutLocally();
  if (user) {
    // Forget the token first, so the page is signed out even if the service cannot be told.
    const answer = await user.endSession();
    report('endSession', 'Signed out: this session\'s token no longer works.', answer);
  }
}));

async function signOutLocally() {
  state.user = null;
  state.signIn = null;
  state.phone = null;
  state.backupCodes = [];
  $('second-step').hidden = true;
  $('totp-setup').hidden = true;
  render();
}

// ---- Start --------------------------------------------------------------------------------------------------------

run('start', async () => {
  const config = await (await fetch('/api/config')).json();
  state.mfa = new FunctionsMfa({ baseUrl: config.apiUrl });
  document.body.dataset.ready = 'true';
  report('start', `Ready. FunctionsMfa is at ${config.apiUrl}; type a user id to sign in.`);
});
