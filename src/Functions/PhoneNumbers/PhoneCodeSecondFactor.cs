using System.Globalization;
using FunctionsMfa.Domain.Phone;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.SignIns;
using FunctionsMfa.Functions.SignIns.SecondFactors;
using FunctionsMfa.Functions.Sms;
using FunctionsMfa.Functions.Users;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.PhoneNumbers;

/// <summary>
/// <c>phone_code</c>: a 6-digit code sent by SMS to one of the user's verified 2FA numbers. The verification lives on
/// the sign-in's state row in the user's partition (<see cref="SecondFactorState"/>: the code's keyed hash, its expiry,
/// the tries), so a judged try is counted in the same transaction as the failure budget, If-Match on what was judged:
/// the 3-try cap holds under any concurrency, and success completes the sign-in in that commit: the code is single use.
/// A new code replaces the previous one and keeps the tries; 3 wrong tries end the verification
/// (<c>verification_failed</c>) and each wrong try also spends the user's failure budget.
/// </summary>
internal sealed class PhoneCodeSecondFactor(
    SmsCodeDispatch sms, KeyedHash keyedHash, IHttpContextAccessor http, IOptions<SmsOptions> options)
    : ISecondFactorStrategy
{
    public const string Name = "phone_code";

    public string Strategy => Name;

    public string AuthenticationMethod => "sms";

    public bool IsAvailable(UserSnapshot user) => user.Factors.SecondFactorPhoneIds.Count > 0;

    /// <summary>
    /// Round trips: 1 read + 1 write (the number's SMS limit); the new verification and the user's SMS log are then
    /// committed by the caller in one transaction, and the message queued after it (1 enqueue).
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

        var authorization = await sms.AuthorizeAsync(context.User, phone.PhoneNumber, cancellationToken);
        if (authorization.Refusal is { } refused)
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
        var userId = context.SignIn.UserId;
        return PrepareOutcome.Prepared(
            State(next, "unverified", phone.Id),
            [authorization.UserLog!],
            token => sms.EnqueueAsync(userId, phone.PhoneNumber, code, expireAt, language, SmsPurposes.SignIn, token));
    }

    public string? Canonicalize(string code) => PhoneCodes.IsWellFormed(code) ? code : null;

    /// <summary>
    /// Judges the code against the verification on the sign-in, with no I/O. A wrong code's spent try (and the
    /// verification's end on the last one) and a right code's use come back as <see cref="AttemptOutcome.Verification"/>,
    /// committed with the outcome.
    /// </summary>
    public AttemptOutcome Judge(SecondFactorContext context, string canonicalCode)
    {
        ArgumentNullException.ThrowIfNull(context);
        var stored = context.SignIn.SecondFactor;
        if (stored is not { Strategy: Name, PhoneNumberId: { } phoneId })
        {
            return AttemptOutcome.Rejected(MfaErrors.PhoneVerificationMissing);
        }

        // The number must still be a 2FA number of the user's.
        if (!context.User.Factors.SecondFactorPhoneIds.Contains(phoneId, StringComparer.Ordinal))
        {
            return AttemptOutcome.Rejected(MfaErrors.StrategyForUserInvalid);
        }

        var policy = options.Value.CodePolicy;
        var current = Verification(stored);
        var expireAt = current.ExpireAt ?? context.Now;
        var (outcome, next) = current.Attempt(context.Now, hash => keyedHash.Matches(CodePurpose(context.SignIn.Id, expireAt), canonicalCode, hash), policy);
        var eventData = new Dictionary<string, string> { ["phone_number_id"] = phoneId };
        return outcome switch
        {
            // As in Clerk, attempts counts every try, the one that succeeded included.
            PhoneAttemptOutcome.Verified => AttemptOutcome.Verified([], eventData) with { Verification = State(next with { Attempts = next.Attempts + 1 }, "verified", phoneId) },
            PhoneAttemptOutcome.Incorrect => AttemptOutcome.Incorrect() with { EventData = eventData, Verification = State(next, "unverified", phoneId) },
            // The try that spent the verification's last chance ends it.
            PhoneAttemptOutcome.Failed when !ReferenceEquals(next, current) =>
                AttemptOutcome.Incorrect() with { Error = MfaErrors.PhoneVerificationFailed, EventData = eventData, Verification = State(next, "failed", phoneId) },
            PhoneAttemptOutcome.Failed => AttemptOutcome.Rejected(MfaErrors.PhoneVerificationFailed),
            PhoneAttemptOutcome.Expired => AttemptOutcome.Rejected(MfaErrors.PhoneVerificationExpired),
            PhoneAttemptOutcome.AlreadyVerified => AttemptOutcome.Rejected(MfaErrors.SignInAlreadyCompleted),
            _ => AttemptOutcome.Rejected(MfaErrors.PhoneVerificationMissing),
        };
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
