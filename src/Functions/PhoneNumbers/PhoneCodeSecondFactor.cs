using System.Globalization;
using FunctionsMfa.Domain.Phone;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.SignIns;
using FunctionsMfa.Functions.SignIns.SecondFactors;
using FunctionsMfa.Functions.Sms;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.PhoneNumbers;

/// <summary>
/// <c>phone_code</c>: a 6-digit code sent by SMS to one of the user's verified 2FA numbers. The verification lives on
/// the sign-in (<see cref="SecondFactorState"/>: the code's keyed hash, its expiry, the wrong tries), so every change
/// rides on the sign-in's conditional write, and success completes the sign-in in the same If-Match write: the code
/// is single use. A new code replaces the previous one and keeps the wrong tries; 3 wrong tries end the verification
/// (<c>verification_failed</c>) and each wrong try also spends the user's failure budget.
/// </summary>
internal sealed class PhoneCodeSecondFactor(
    SmsCodeDispatch sms, KeyedHash keyedHash, IHttpContextAccessor http, IOptions<SmsOptions> options) : ISecondFactorStrategy
{
    public const string Name = "phone_code";

    public string Strategy => Name;

    public string AuthenticationMethod => "sms";

    public IReadOnlyList<string> PrepareParameters => ["phone_number_id"];

    public bool IsAvailable(UserSnapshot user) => UserFactors.From(user).SecondFactorPhoneIds.Count > 0;

    /// <summary>
    /// Round trips: 2 reads + 2 writes (SMS limits) + 1 enqueue; the dispatch then writes the sign-in. The message is
    /// queued before that write: if a concurrent request changes the sign-in first, this SMS carries a code that was
    /// never stored and cannot verify (the next send is 30 s away by the limits).
    /// </summary>
    public async Task<PrepareOutcome> PrepareAsync(SecondFactorContext context, RequestForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(form);
        var phones = UserFactors.From(context.User).SecondFactorPhoneIds;
        var phoneId = form.Get("phone_number_id") ?? phones.FirstOrDefault();
        if (phoneId is null || !phones.Contains(phoneId, StringComparer.Ordinal) || context.User.Row(UserRows.PhonePrefix + phoneId) is not { } row)
        {
            return PrepareOutcome.Rejected(MfaErrors.FormParamValueInvalid("phone_number_id"));
        }

        var phone = PhoneNumberRecord.FromEntity(row);
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

    /// <summary>No storage round trip of its own: the dispatch writes the outcome on the sign-in.</summary>
    public Task<AttemptOutcome> AttemptAsync(SecondFactorContext context, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!PhoneCodes.IsWellFormed(code))
        {
            return Task.FromResult(AttemptOutcome.Rejected(MfaErrors.FormParamFormatInvalid("code")));
        }

        var stored = context.SignIn.SecondFactor;
        if (stored is null || stored.Strategy != Name)
        {
            return Task.FromResult(AttemptOutcome.Rejected(MfaErrors.PhoneVerificationMissing));
        }

        // The number must still be a 2FA number of the user's.
        if (stored.PhoneNumberId is not { } phoneId || !UserFactors.From(context.User).SecondFactorPhoneIds.Contains(phoneId, StringComparer.Ordinal))
        {
            return Task.FromResult(AttemptOutcome.Rejected(MfaErrors.StrategyForUserInvalid));
        }

        var policy = options.Value.CodePolicy;
        var current = Verification(stored);
        var expireAt = current.ExpireAt ?? context.Now;
        var (outcome, next) = current.Attempt(context.Now, hash => keyedHash.Matches(CodePurpose(context.SignIn.Id, expireAt), code, hash), policy);
        var eventData = new Dictionary<string, string> { ["phone_number_id"] = phoneId };
        return Task.FromResult(outcome switch
        {
            PhoneAttemptOutcome.Verified => AttemptOutcome.Verified(eventData) with { Verification = State(next, "verified", phoneId) },
            PhoneAttemptOutcome.Incorrect => AttemptOutcome.Incorrect() with { Verification = State(next, "unverified", phoneId), EventData = eventData },
            // The try that spends the verification's last chance: a failure for the budget too.
            PhoneAttemptOutcome.Failed when !ReferenceEquals(next, current) =>
                AttemptOutcome.Incorrect() with { Verification = State(next, "failed", phoneId), Error = MfaErrors.PhoneVerificationFailed, EventData = eventData },
            PhoneAttemptOutcome.Failed => AttemptOutcome.Rejected(MfaErrors.PhoneVerificationFailed),
            PhoneAttemptOutcome.Expired => AttemptOutcome.Rejected(MfaErrors.PhoneVerificationExpired) with { Verification = State(current, "expired", phoneId) },
            _ => AttemptOutcome.Rejected(MfaErrors.PhoneVerificationMissing),
        });
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
