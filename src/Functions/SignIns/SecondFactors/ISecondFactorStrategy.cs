using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;

namespace FunctionsMfa.Functions.SignIns.SecondFactors;

/// <summary>What a strategy sees of one attempt: the sign-in (as read, with its ETag), the user's rows and the time.</summary>
internal sealed record SecondFactorContext(SignInRecord SignIn, UserSnapshot User, DateTimeOffset Now);

/// <summary>
/// One way to prove the second factor (<c>totp</c>, <c>backup_code</c>, <c>phone_code</c>). The sign-in endpoints
/// dispatch on <see cref="Strategy"/> and own everything around it: the client token, the sign-in's state machine and
/// its conditional writes, the lockout check before any code is evaluated, the failure budget, the session and the
/// audit trail. A strategy only prepares and checks codes. Register one with
/// <c>services.AddSingleton&lt;ISecondFactorStrategy, MyStrategy&gt;()</c>.
/// </summary>
internal interface ISecondFactorStrategy
{
    /// <summary>The wire name, e.g. <c>backup_code</c>.</summary>
    string Strategy { get; }

    /// <summary>The session token's <c>amr</c> value for this factor (RFC 8176), e.g. <c>otp</c> or <c>sms</c>.</summary>
    string AuthenticationMethod { get; }

    /// <summary>Body parameters <c>prepare_second_factor</c> accepts for this strategy, besides <c>strategy</c>.</summary>
    IReadOnlyList<string> PrepareParameters { get; }

    /// <summary>Whether the user has this factor now (it is then in <c>supported_second_factors</c>).</summary>
    bool IsAvailable(UserSnapshot user);

    /// <summary>
    /// <c>prepare_second_factor</c>: e.g. send a code. The lockout and the sign-in's state were checked before.
    /// </summary>
    Task<PrepareOutcome> PrepareAsync(SecondFactorContext context, RequestForm form, CancellationToken cancellationToken);

    /// <summary>
    /// <c>attempt_second_factor</c>: checks <paramref name="code"/> and, when it is right, consumes it (single use)
    /// atomically. Called only while the user is not locked and the sign-in waits for its second factor.
    /// </summary>
    Task<AttemptOutcome> AttemptAsync(SecondFactorContext context, string code, CancellationToken cancellationToken);
}

/// <summary>The result of a preparation: ready (and maybe a verification to store on the sign-in), or a rejection.</summary>
internal sealed record PrepareOutcome(SecondFactorState? Verification, MfaError? Error)
{
    /// <summary>Nothing to prepare (<c>totp</c>, <c>backup_code</c>): the sign-in is answered as it is, as in Clerk.</summary>
    public static PrepareOutcome NothingToPrepare { get; } = new(null, null);

    public static PrepareOutcome Prepared(SecondFactorState verification) => new(verification, null);

    public static PrepareOutcome Rejected(MfaError error) => new(null, error);
}

internal enum AttemptResult
{
    /// <summary>The code was right and is now used.</summary>
    Verified,

    /// <summary>The code was wrong (or already used): spends one unit of the user's failure budget.</summary>
    Incorrect,

    /// <summary>Refused before any code was evaluated (malformed, factor gone, verification expired): costs nothing.</summary>
    Rejected,
}

/// <summary>
/// The result of one attempt. <see cref="Verification"/>, when set, is written on the sign-in in the same conditional
/// write as the status change (e.g. a phone code's wrong-try count). <see cref="Error"/> replaces the default error of
/// <see cref="AttemptResult.Incorrect"/> (<c>form_code_incorrect</c>) and is required for <see cref="AttemptResult.Rejected"/>.
/// <see cref="EventData"/> is added to the audit event (never a code).
/// </summary>
internal sealed record AttemptOutcome(AttemptResult Result)
{
    public SecondFactorState? Verification { get; init; }

    public MfaError? Error { get; init; }

    public IReadOnlyDictionary<string, string>? EventData { get; init; }

    public static AttemptOutcome Verified(IReadOnlyDictionary<string, string>? eventData = null) => new(AttemptResult.Verified) { EventData = eventData };

    public static AttemptOutcome Incorrect() => new(AttemptResult.Incorrect);

    public static AttemptOutcome Rejected(MfaError error) => new(AttemptResult.Rejected) { Error = error };
}
