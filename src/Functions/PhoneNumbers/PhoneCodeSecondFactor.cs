using System.Globalization;
using FunctionsMfa.Domain.Phone;
using FunctionsMfa.Domain.SignIns;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.SignIns;
using FunctionsMfa.Functions.SignIns.SecondFactors;
using FunctionsMfa.Functions.Sms;
using FunctionsMfa.Functions.Users;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.PhoneNumbers;

/// <summary>
/// <c>phone_code</c>: a 6-digit code sent by SMS to one of the user's verified 2FA numbers. The verification lives on
/// the sign-in (<see cref="SecondFactorState"/>: the code's keyed hash, its expiry, the tries), and each try is spent
/// there (If-Match) before its code is judged, so the 3-try cap holds under any concurrency; success completes the
/// sign-in with an If-Match write: the code is single use. A new code replaces the previous one and keeps the tries;
/// 3 wrong tries end the verification (<c>verification_failed</c>) and each wrong try also spends the user's failure budget.
/// </summary>
internal sealed class PhoneCodeSecondFactor(
    SmsCodeDispatch sms, KeyedHash keyedHash, SignInStore signIns, IHttpContextAccessor http, IOptions<SmsOptions> options, TimeProvider time)
    : ISecondFactorStrategy
{
    public const string Name = "phone_code";

    public string Strategy => Name;

    public string AuthenticationMethod => "sms";

    public bool IsAvailable(UserSnapshot user) => user.Factors.SecondFactorPhoneIds.Count > 0;

    /// <summary>
    /// Round trips: 2 reads + 2 writes (SMS limits) + 1 enqueue; the dispatch then writes the sign-in. The message is
    /// queued before that write: if a concurrent request changes the sign-in first, this SMS carries a code that was
    /// never stored and cannot verify (the next send is 30 s away by the limits).
    /// </summary>
    public async Task<PrepareOutcome> PrepareAsync(SecondFactorContext context, RequestForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(form);
        var phones = context.User.Factors.SecondFactorPhoneIds;
        var phoneId = form.Get("phone_number_id") ?? phones.FirstOrDefault();
        if (phoneId is null || !phones.Contains(phoneId, StringComparer.Ordinal) || PhoneNumberStore.Find(context.User, phoneId) is not { } phone)
        {
            return PrepareOutcome.Rejected(MfaErrors.FormParamValueInvalid("phone_number_id"));
        }

        var policy = options.Value.CodePolicy;
        var current = Verification(context.SignIn.SecondFactor);
        if (current.Status(context.Now, policy) == PhoneVerificationStatus.Failed)
        {
            return PrepareOutcome.Rejected(MfaErrors.PhoneVerificationFailed);
        }

        if (await sms.AuthorizeAsync(context.SignIn.UserId, phone.PhoneNumber, cancellationToken) is { } refused)
        {
            return PrepareOutcome.Rejected(refused);
        }

        var code = PhoneCodes.Generate();
        var expireAt = context.Now + policy.CodeLifetime;
        var (outcome, next) = current.Prepare(context.Now, keyedHash.Compute(CodePurpose(context.SignIn.Id, expireAt), code), policy);
        if (outcome != PhonePrepareOutcome.Prepared)
        {
            return PrepareOutcome.Rejected(MfaErrors.PhoneVerificationFailed);
        }

        var language = http.HttpContext is { } httpContext ? sms.LanguageFor(httpContext) : options.Value.DefaultLanguage;
        await sms.EnqueueAsync(context.SignIn.UserId, phone.PhoneNumber, code, expireAt, language, SmsPurposes.SignIn, cancellationToken);
        return PrepareOutcome.Prepared(State(next, "unverified", phone.Id));
    }

    public string? Canonicalize(string code) => PhoneCodes.IsWellFormed(code) ? code : null;

    /// <summary>
    /// Spends one of the verification's tries on the sign-in (If-Match) before the code is judged, so at most 3 codes are
    /// ever judged per verification however many attempts arrive at once. Round trips: 1 write, + 1 read and write per
    /// lost race. An expired code is recorded as such and costs nothing.
    /// </summary>
    public async Task<(SignInRecord? SignIn, MfaError? Error)> ReserveAsync(SignInRecord signIn, UserSnapshot user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signIn);
        var policy = options.Value.CodePolicy;
        for (var attempt = 0; attempt < Storage.Contention.MaxRounds; attempt++)
        {
            var stored = signIn.SecondFactor;
            if (stored is null || stored.Strategy != Name)
            {
                return (null, MfaErrors.PhoneVerificationMissing);
            }

            // The number must still be a 2FA number of the user's.
            if (stored.PhoneNumberId is not { } phoneId || !user.Factors.SecondFactorPhoneIds.Contains(phoneId, StringComparer.Ordinal))
            {
                return (null, MfaErrors.StrategyForUserInvalid);
            }

            var current = Verification(stored);
            var (outcome, next) = current.Reserve(time.GetUtcNow(), policy);
            SignInRecord? written;
            switch (outcome)
            {
                case PhoneAttemptOutcome.Reserved:
                    var status = next.Attempts >= policy.MaxAttempts ? "failed" : "unverified";
                    written = await signIns.TryReplaceAsync(signIn with { SecondFactor = State(next, status, phoneId) }, cancellationToken);
                    if (written is not null)
                    {
                        return (written, null);
                    }

                    break;
                case PhoneAttemptOutcome.Expired:
                    // Recorded so readers see it; a lost race here changes nothing for the caller.
                    await signIns.TryReplaceAsync(signIn with { SecondFactor = State(current, "expired", phoneId) }, cancellationToken);
                    return (null, MfaErrors.PhoneVerificationExpired);
                case PhoneAttemptOutcome.Failed:
                    return (null, MfaErrors.PhoneVerificationFailed);
                case PhoneAttemptOutcome.AlreadyVerified:
                    return (null, MfaErrors.SignInAlreadyCompleted);
                default:
                    return (null, MfaErrors.PhoneVerificationMissing);
            }

            if (await signIns.GetAsync(signIn.Id, cancellationToken) is not { Status: SignInStatus.NeedsSecondFactor } fresh)
            {
                return (null, MfaErrors.SignInChanged);
            }

            signIn = fresh;
        }

        throw new Storage.StorageContentionException("sign-in verification");
    }

    /// <summary>Judges the code against the reserved try's verification on the sign-in. No I/O; nothing to spend in the user's partition.</summary>
    public AttemptOutcome Judge(SecondFactorContext context, string canonicalCode)
    {
        ArgumentNullException.ThrowIfNull(context);
        var stored = context.SignIn.SecondFactor;
        if (stored is not { Strategy: Name, PhoneNumberId: { } phoneId, CodeHash: { } hash, ExpireAt: { } expireAt })
        {
            return AttemptOutcome.Rejected(MfaErrors.PhoneVerificationMissing);
        }

        var eventData = new Dictionary<string, string> { ["phone_number_id"] = phoneId };
        if (keyedHash.Matches(CodePurpose(context.SignIn.Id, expireAt), canonicalCode, hash))
        {
            return AttemptOutcome.Verified([], eventData);
        }

        // The try that spent the verification's last chance ends it.
        return (stored.Attempts ?? 0) >= options.Value.CodePolicy.MaxAttempts
            ? AttemptOutcome.Incorrect() with { Error = MfaErrors.PhoneVerificationFailed, EventData = eventData }
            : AttemptOutcome.Incorrect() with { EventData = eventData };
    }

    private static PhoneCodeVerification Verification(SecondFactorState? state) =>
        state is { Strategy: Name }
            ? new PhoneCodeVerification(state.CodeHash, state.ExpireAt, state.Attempts ?? 0, state.Status == "verified")
            : PhoneCodeVerification.Empty;

    private static SecondFactorState State(PhoneCodeVerification verification, string status, string phoneId) => new(Name, status)
    {
        Attempts = verification.Attempts,
        ExpireAt = verification.ExpireAt,
        PhoneNumberId = phoneId,
        CodeHash = verification.CodeHash,
    };

    private static string CodePurpose(string signInId, DateTimeOffset expireAt) =>
        "signin-phone-code\n" + signInId + "\n" + expireAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}
