// @functionsmfa/client: FunctionsMfa's browser and Node (>= 20) client, with the method names of Clerk's SignIn and
// User resources. No dependencies: it needs only `fetch` and `URLSearchParams`.
//
// On the wire it behaves as Clerk's own browser client does: every write is a POST with a form body
// (application/x-www-form-urlencoded, a "simple" content type) and `?_method=DELETE|PATCH` tunnels the verb, so the
// only thing that makes a browser send a CORS preflight is the Authorization header. Keys are camelCase here and
// snake_case on the wire; timestamps (Unix milliseconds on the wire) are Dates here.

/** The one error every failed call rejects with: the service's error envelope, camelCased. */
export class MfaApiError extends Error {
  /**
   * @param {{ status: number, errors: ApiErrorEntry[], retryAfter: number | null, traceId: string | null }} init
   */
  constructor({ status, errors, retryAfter, traceId }) {
    super(errors[0]?.longMessage || errors[0]?.message || `HTTP ${status}`);
    this.name = 'MfaApiError';
    this.status = status;
    this.errors = errors;
    this.retryAfter = retryAfter;
    this.traceId = traceId;
  }

  /** The first error's stable code (`form_code_incorrect`, `user_locked`, …), or null when the body had none. */
  get code() {
    return this.errors[0]?.code ?? null;
  }
}

/** @typedef {{ code: string, message: string, longMessage: string, meta: Record<string, unknown> }} ApiErrorEntry */

export class FunctionsMfa {
  #fetch;

  /** @param {{ baseUrl: string, fetch?: typeof fetch }} options */
  constructor({ baseUrl, fetch: fetchImpl } = /** @type {any} */ ({})) {
    if (typeof baseUrl !== 'string' || baseUrl.length === 0) {
      throw new TypeError('FunctionsMfa: baseUrl is required (the service\'s URL, e.g. https://mfa.example.com).');
    }
    if (typeof (fetchImpl ?? globalThis.fetch) !== 'function') {
      throw new TypeError('FunctionsMfa: no fetch available; pass { fetch } (Node >= 20 and browsers have one).');
    }
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.#fetch = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** The sign-in the app's backend created, read with the client token it handed to this page. */
  async getSignIn({ id, clientToken }) {
    requireString('id', id);
    requireString('clientToken', clientToken);
    const body = await this._request('GET', `/v1/client/sign_ins/${encodeURIComponent(id)}`, clientToken);
    return new SignIn(this, clientToken, body);
  }

  /** The signed-in user (`GET /v1/me`), with the session token a completed sign-in returned. */
  async getUser({ sessionToken }) {
    requireString('sessionToken', sessionToken);
    const body = await this._request('GET', '/v1/me', sessionToken);
    return new User(this, sessionToken, body);
  }

  /**
   * One call. `params` (already snake_case) go as a form body; DELETE and PATCH are tunnelled through POST.
   * @internal
   */
  async _request(method, path, token, params) {
    let url = this.baseUrl + path;
    /** @type {RequestInit} */
    const init = { method: 'GET', headers: { Authorization: `Bearer ${token}` } };
    if (method !== 'GET') {
      if (method !== 'POST') {
        url += (url.includes('?') ? '&' : '?') + '_method=' + method;
      }
      init.method = 'POST';
      const form = new URLSearchParams();
      for (const [key, value] of Object.entries(params ?? {})) {
        if (value !== undefined && value !== null) {
          form.append(key, String(value));
        }
      }
      init.body = form;
    }

    // Called as a method of this object, window.fetch would throw "Illegal invocation": call it unbound.
    const fetchImpl = this.#fetch;
    const response = await fetchImpl(url, init);
    const text = await response.text();
    let body = null;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
    }
    if (!response.ok) {
      throw toApiError(response, body);
    }
    if (body === null || typeof body !== 'object') {
      throw new MfaApiError({ status: response.status, errors: [], retryAfter: null, traceId: null });
    }
    return body;
  }
}

/** Clerk's SignIn, for the second step: the app's backend already checked the first factor. */
export class SignIn {
  #mfa;
  #clientToken;

  constructor(mfa, clientToken, body) {
    this.#mfa = mfa;
    this.#clientToken = clientToken;
    /** Set only by the response that completed the sign-in. */
    this.sessionToken = null;
    this.#assign(body);
  }

  /** Sends an SMS code for `phone_code` (to `phoneNumberId`, or the default number); `totp` and `backup_code` need no prepare. */
  async prepareSecondFactor({ strategy, phoneNumberId } = /** @type {any} */ ({})) {
    requireString('strategy', strategy);
    const body = await this.#mfa._request('POST', `/v1/client/sign_ins/${encodeURIComponent(this.id)}/prepare_second_factor`,
      this.#clientToken, { strategy, phone_number_id: phoneNumberId });
    return this.#assign(body);
  }

  /** Checks a code; on success `status` is `complete` and `sessionToken` is set. */
  async attemptSecondFactor({ strategy, code } = /** @type {any} */ ({})) {
    requireString('strategy', strategy);
    requireString('code', code);
    const body = await this.#mfa._request('POST', `/v1/client/sign_ins/${encodeURIComponent(this.id)}/attempt_second_factor`,
      this.#clientToken, { strategy, code });
    return this.#assign(body);
  }

  /** Reads the sign-in again. */
  async reload() {
    return this.#assign(await this.#mfa._request('GET', `/v1/client/sign_ins/${encodeURIComponent(this.id)}`, this.#clientToken));
  }

  #assign(body) {
    this.id = body.id;
    this.status = body.status;
    this.supportedSecondFactors = (body.supported_second_factors ?? []).map((factor) => ({
      strategy: factor.strategy,
      phoneNumberId: factor.phone_number_id ?? null,
      safeIdentifier: factor.safe_identifier ?? null,
      default: factor.default ?? false,
    }));
    const verification = body.second_factor_verification;
    this.secondFactorVerification = verification
      ? {
        status: verification.status,
        strategy: verification.strategy,
        attempts: verification.attempts ?? null,
        expireAt: toDate(verification.expire_at),
        error: verification.error ? toErrorEntry(verification.error) : null,
      }
      : null;
    this.createdSessionId = body.created_session_id ?? null;
    this.abandonAt = toDate(body.abandon_at);
    if (typeof body.session_token === 'string') {
      this.sessionToken = body.session_token;
    }
    return this;
  }
}

/** Clerk's User, reduced to its MFA part: the signed-in user's factors. */
export class User {
  #mfa;
  #sessionToken;

  constructor(mfa, sessionToken, body) {
    this.#mfa = mfa;
    this.#sessionToken = sessionToken;
    this.#assign(body);
  }

  /** A new (unverified) TOTP secret, with its URI and QR code; replaces an unverified one. */
  async createTOTP() {
    return toTotp(await this.#call('POST', '/v1/me/totp'));
  }

  /** Verifies the new secret with a code from the authenticator app; the first backup codes come with it. */
  async verifyTOTP({ code } = /** @type {any} */ ({})) {
    requireString('code', code);
    return toTotp(await this.#call('POST', '/v1/me/totp/attempt_verification', { code }));
  }

  /** Removes the authenticator app. */
  async disableTOTP() {
    return toDeleted(await this.#call('DELETE', '/v1/me/totp'));
  }

  /** A fresh set of backup codes, replacing the old set. */
  async createBackupCode() {
    const body = await this.#call('POST', '/v1/me/backup_codes');
    return {
      id: body.id,
      codes: [...(body.codes ?? [])],
      createdAt: toDate(body.created_at),
      updatedAt: toDate(body.updated_at),
    };
  }

  /** Adds a phone number (unverified); any common formatting, stored as E.164. */
  async createPhoneNumber({ phoneNumber } = /** @type {any} */ ({})) {
    requireString('phoneNumber', phoneNumber);
    const body = await this.#call('POST', '/v1/me/phone_numbers', { phone_number: phoneNumber });
    return new PhoneNumber(this.#mfa, this.#sessionToken, body);
  }

  /** Reads the user again. */
  async reload() {
    return this.#assign(await this.#call('GET', '/v1/me'));
  }

  /** Signs out: ends this session (the session token's `sid`); its token is refused from then on. */
  async endSession() {
    const sid = sessionIdOf(this.#sessionToken);
    const body = await this.#call('POST', `/v1/me/sessions/${encodeURIComponent(sid)}/end`);
    return { object: body.object, id: body.id, userId: body.user_id, status: body.status };
  }

  #call(method, path, params) {
    return this.#mfa._request(method, path, this.#sessionToken, params);
  }

  #assign(body) {
    this.id = body.id;
    this.twoFactorEnabled = body.two_factor_enabled === true;
    this.totpEnabled = body.totp_enabled === true;
    this.backupCodeEnabled = body.backup_code_enabled === true;
    this.backupCodesRemaining = body.backup_codes_remaining ?? 0;
    this.phoneNumbers = (body.phone_numbers ?? []).map((phone) => new PhoneNumber(this.#mfa, this.#sessionToken, phone));
    return this;
  }
}

/** Clerk's PhoneNumber: a number on the user, verified by SMS, optionally reserved as a second factor. */
export class PhoneNumber {
  #mfa;
  #sessionToken;

  constructor(mfa, sessionToken, body) {
    this.#mfa = mfa;
    this.#sessionToken = sessionToken;
    this.#assign(body);
  }

  /** Sends a verification code by SMS. */
  async prepareVerification() {
    return this.#assign(await this.#call('POST', '/prepare_verification'));
  }

  /** Checks the SMS code. */
  async attemptVerification({ code } = /** @type {any} */ ({})) {
    requireString('code', code);
    return this.#assign(await this.#call('POST', '/attempt_verification', { code }));
  }

  /** Uses (or stops using) this verified number as a second factor. */
  async setReservedForSecondFactor({ reserved } = /** @type {any} */ ({})) {
    if (typeof reserved !== 'boolean') {
      throw new TypeError('FunctionsMfa: reserved must be a boolean.');
    }
    return this.#assign(await this.#call('PATCH', '', { reserved_for_second_factor: reserved }));
  }

  /** Makes this number the one a `phone_code` sign-in texts by default. */
  async makeDefaultSecondFactor() {
    return this.#assign(await this.#call('PATCH', '', { default_second_factor: true }));
  }

  /** Removes the number. */
  async destroy() {
    return toDeleted(await this.#call('DELETE', ''));
  }

  #call(method, suffix, params) {
    return this.#mfa._request(method, `/v1/me/phone_numbers/${encodeURIComponent(this.id)}${suffix}`, this.#sessionToken, params);
  }

  #assign(body) {
    this.id = body.id;
    this.phoneNumber = body.phone_number;
    if ('verification' in body) {
      const v = body.verification;
      this.verification = v
        ? { status: v.status, strategy: v.strategy, attempts: v.attempts ?? null, expireAt: toDate(v.expire_at) }
        : null;
    } else {
      // The user's list (GET /v1/me) carries a `verified` flag instead of the verification object.
      this.verification = body.verified === true ? { status: 'verified', strategy: 'phone_code', attempts: null, expireAt: null } : null;
    }
    this.reservedForSecondFactor = body.reserved_for_second_factor === true;
    this.defaultSecondFactor = body.default_second_factor === true;
    this.createdAt = toDate(body.created_at);
    this.updatedAt = toDate(body.updated_at);
    this.backupCodes = Array.isArray(body.backup_codes) ? [...body.backup_codes] : null;
    return this;
  }

  /** True once a code sent to the number was entered. */
  get verified() {
    return this.verification?.status === 'verified';
  }
}

function toTotp(body) {
  return {
    id: body.id,
    secret: body.secret ?? null,
    uri: body.uri ?? null,
    qrCode: body.qr_code ?? null,
    verified: body.verified === true,
    backupCodes: Array.isArray(body.backup_codes) ? [...body.backup_codes] : null,
    createdAt: toDate(body.created_at),
    updatedAt: toDate(body.updated_at),
  };
}

function toDeleted(body) {
  return { object: body.object, id: body.id, deleted: body.deleted === true };
}

function toDate(milliseconds) {
  return typeof milliseconds === 'number' ? new Date(milliseconds) : null;
}

function toErrorEntry(error) {
  return {
    code: String(error.code ?? ''),
    message: String(error.message ?? ''),
    longMessage: String(error.long_message ?? error.message ?? ''),
    meta: camelize(error.meta ?? {}),
  };
}

function toApiError(response, body) {
  const errors = Array.isArray(body?.errors) ? body.errors.map(toErrorEntry) : [];
  const header = response.headers.get('Retry-After');
  let retryAfter = null;
  if (header !== null && /^\d+$/.test(header.trim())) {
    retryAfter = Number(header.trim());
  } else if (header !== null && !Number.isNaN(Date.parse(header))) {
    retryAfter = Math.max(0, Math.ceil((Date.parse(header) - Date.now()) / 1000));
  }
  // Across origins the header is unreadable (the platform's CORS does not expose it): the envelope says it too.
  const seconds = body?.errors?.[0]?.meta?.retry_after_seconds;
  if (retryAfter === null && Number.isInteger(seconds) && seconds >= 0) {
    retryAfter = seconds;
  }
  return new MfaApiError({
    status: response.status,
    errors,
    retryAfter,
    traceId: typeof body?.trace_id === 'string' ? body.trace_id : null,
  });
}

/** snake_case keys to camelCase, deeply (an error's meta, whatever keys it has). */
function camelize(value) {
  if (Array.isArray(value)) {
    return value.map(camelize);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) =>
      [key.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), camelize(inner)]));
  }
  return value;
}

/** The `sid` claim of a session token (a JWT); the token is not verified here, the service does that. */
function sessionIdOf(token) {
  const payload = token.split('.')[1];
  if (!payload) {
    throw new TypeError('FunctionsMfa: the session token is not a JWT.');
  }
  const base64 = payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '=');
  const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
  const sid = JSON.parse(json).sid;
  if (typeof sid !== 'string' || sid.length === 0) {
    throw new TypeError('FunctionsMfa: the session token has no sid claim.');
  }
  return sid;
}

function requireString(name, value) {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`FunctionsMfa: ${name} is required.`);
  }
}
