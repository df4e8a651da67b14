// Types of @functionsmfa/client (src/index.js). Hand-written; `tsc --noEmit` in ./build.sh test checks them against
// the client's own tests and the sample SPA.

export type SecondFactorStrategy = 'totp' | 'phone_code' | 'backup_code';

export interface FunctionsMfaOptions {
  /** The service's URL, e.g. `https://mfa.example.com` (no trailing path). */
  baseUrl: string;
  /** A fetch to use instead of `globalThis.fetch`. */
  fetch?: typeof fetch;
}

export declare class FunctionsMfa {
  constructor(options: FunctionsMfaOptions);
  readonly baseUrl: string;
  /** `GET /v1/client/sign_ins/{id}` with the client token the app's backend got from `POST /v1/sign_ins`. */
  getSignIn(params: { id: string; clientToken: string }): Promise<SignIn>;
  /** `GET /v1/me` with a session token. */
  getUser(params: { sessionToken: string }): Promise<User>;
}

/** One entry of the error envelope, camelCased: `meta.attemptsRemaining`, `meta.lockoutExpiresInSeconds`, … */
export interface ApiErrorEntry {
  code: string;
  message: string;
  longMessage: string;
  meta: ErrorMeta;
}

export interface ErrorMeta {
  paramName?: string;
  attemptsRemaining?: number;
  lockoutExpiresInSeconds?: number;
  retryAfterSeconds?: number;
  [key: string]: unknown;
}

/** Every failed call rejects with this; `message` is the first error's long message. */
export declare class MfaApiError extends Error {
  constructor(init: { status: number; errors: ApiErrorEntry[]; retryAfter: number | null; traceId: string | null });
  readonly name: 'MfaApiError';
  /** The HTTP status. */
  readonly status: number;
  readonly errors: ApiErrorEntry[];
  /** Seconds from the `Retry-After` header (429, 503), else null. */
  readonly retryAfter: number | null;
  readonly traceId: string | null;
  /** The first error's code, or null. */
  readonly code: string | null;
}

export interface SupportedSecondFactor {
  strategy: SecondFactorStrategy;
  /** For `phone_code`: the number's id, for `prepareSecondFactor({ phoneNumberId })`. */
  phoneNumberId: string | null;
  /** For `phone_code`: the masked number, e.g. `+*******4567`. */
  safeIdentifier: string | null;
  default: boolean;
}

export interface SecondFactorVerification {
  status: 'unverified' | 'verified' | 'failed' | 'expired';
  strategy: SecondFactorStrategy;
  /** Null for `totp` and `backup_code`, as in Clerk. */
  attempts: number | null;
  /** Null for `totp` and `backup_code`, as in Clerk. */
  expireAt: Date | null;
  error: ApiErrorEntry | null;
}

export declare class SignIn {
  private constructor();
  id: string;
  status: 'needs_second_factor' | 'complete' | 'abandoned';
  supportedSecondFactors: SupportedSecondFactor[];
  secondFactorVerification: SecondFactorVerification | null;
  createdSessionId: string | null;
  abandonAt: Date;
  /** The new session's token, set only by the call that completed the sign-in. */
  sessionToken: string | null;
  /** Resolves to this sign-in, updated. */
  prepareSecondFactor(params: { strategy: 'phone_code'; phoneNumberId?: string }): Promise<SignIn>;
  /** Resolves to this sign-in, updated. */
  attemptSecondFactor(params: { strategy: SecondFactorStrategy; code: string }): Promise<SignIn>;
  reload(): Promise<SignIn>;
}

export interface TOTPResource {
  id: string;
  /** Only in the answer of `createTOTP()`. */
  secret: string | null;
  /** `otpauth://totp/…`; only in the answer of `createTOTP()`. */
  uri: string | null;
  /** An SVG data URI of `uri`; only in the answer of `createTOTP()`. */
  qrCode: string | null;
  verified: boolean;
  /** The first backup codes, when verification issued them. */
  backupCodes: string[] | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface BackupCodeResource {
  id: string;
  codes: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface DeletedObject {
  object: string;
  id: string;
  deleted: boolean;
}

/** Clerk's session, as far as this service tells it. */
export interface SessionResource {
  object: 'session';
  id: string;
  userId: string;
  status: 'ended' | 'revoked' | (string & {});
}

export interface PhoneNumberVerification {
  status: 'unverified' | 'verified' | 'failed' | 'expired';
  strategy: 'phone_code';
  attempts: number | null;
  expireAt: Date | null;
}

export declare class PhoneNumber {
  private constructor();
  id: string;
  /** E.164. */
  phoneNumber: string;
  /** Null until a code was sent. */
  verification: PhoneNumberVerification | null;
  readonly verified: boolean;
  reservedForSecondFactor: boolean;
  defaultSecondFactor: boolean;
  /** Null on the numbers listed in `user.phoneNumbers` (the user summary has no timestamps). */
  createdAt: Date | null;
  updatedAt: Date | null;
  /** The new backup codes, once, when reserving this number turned two-step verification on. */
  backupCodes: string[] | null;
  /** Resolves to this number, updated. */
  prepareVerification(): Promise<PhoneNumber>;
  attemptVerification(params: { code: string }): Promise<PhoneNumber>;
  setReservedForSecondFactor(params: { reserved: boolean }): Promise<PhoneNumber>;
  makeDefaultSecondFactor(): Promise<PhoneNumber>;
  destroy(): Promise<DeletedObject>;
}

export declare class User {
  private constructor();
  id: string;
  twoFactorEnabled: boolean;
  totpEnabled: boolean;
  backupCodeEnabled: boolean;
  backupCodesRemaining: number;
  phoneNumbers: PhoneNumber[];
  createTOTP(): Promise<TOTPResource>;
  verifyTOTP(params: { code: string }): Promise<TOTPResource>;
  disableTOTP(): Promise<DeletedObject>;
  createBackupCode(): Promise<BackupCodeResource>;
  createPhoneNumber(params: { phoneNumber: string }): Promise<PhoneNumber>;
  /** Reads the user again; resolves to this user, updated. */
  reload(): Promise<User>;
  /** Signs out: `POST /v1/me/sessions/{sid}/end`, `sid` from the session token; the token is refused from then on. */
  endSession(): Promise<SessionResource>;
}
