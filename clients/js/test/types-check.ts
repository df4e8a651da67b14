// Compile-time checks of src/index.d.ts (tsc --noEmit, never run): the documented flows type-check, and misuse does not.
import { FunctionsMfa, MfaApiError, type SignIn, type User, type TOTPResource, type PhoneNumber } from '@functionsmfa/client';

export async function flows(mfa: FunctionsMfa, id: string, clientToken: string): Promise<void> {
  const signIn: SignIn = await mfa.getSignIn({ id, clientToken });
  const phone = signIn.supportedSecondFactors.find((f) => f.strategy === 'phone_code');
  if (phone?.phoneNumberId) {
    await signIn.prepareSecondFactor({ strategy: 'phone_code', phoneNumberId: phone.phoneNumberId });
  }
  const done: SignIn = await signIn.attemptSecondFactor({ strategy: 'totp', code: '123456' });
  const abandonAt: Date = done.abandonAt;
  const expireAt: Date | null = done.secondFactorVerification?.expireAt ?? null;
  void abandonAt;
  void expireAt;

  const user: User = await mfa.getUser({ sessionToken: done.sessionToken ?? '' });
  const totp: TOTPResource = await user.createTOTP();
  const created: Date = totp.createdAt;
  void created;
  const verified = await user.verifyTOTP({ code: '123456' });
  const codes: string[] = verified.backupCodes ?? (await user.createBackupCode()).codes;
  void codes;
  const deleted: boolean = (await user.disableTOTP()).deleted;
  void deleted;

  const number: PhoneNumber = await user.createPhoneNumber({ phoneNumber: '+12015550123' });
  await (await (await number.prepareVerification()).attemptVerification({ code: '123456' }))
    .setReservedForSecondFactor({ reserved: true });
  await number.makeDefaultSecondFactor();
  await number.destroy();
  const ended: 'session' = (await user.endSession()).object;
  void ended;

  // @ts-expect-error prepareSecondFactor is for phone_code only
  await signIn.prepareSecondFactor({ strategy: 'totp' });
  // @ts-expect-error a code is required
  await signIn.attemptSecondFactor({ strategy: 'totp' });
  // @ts-expect-error reserved is a boolean
  await number.setReservedForSecondFactor({ reserved: 'yes' });
}

export function errors(error: unknown): number | null {
  if (error instanceof MfaApiError) {
    const left: number | undefined = error.errors[0]?.meta.attemptsRemaining;
    const locked: number | undefined = error.errors[0]?.meta.lockoutExpiresInSeconds;
    void left;
    void locked;
    return error.retryAfter;
  }
  return null;
}

// @ts-expect-error baseUrl is required
new FunctionsMfa({});
new FunctionsMfa({ baseUrl: 'https://mfa.example.com', fetch: globalThis.fetch });
