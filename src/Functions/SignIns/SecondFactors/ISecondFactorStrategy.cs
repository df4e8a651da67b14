using Azure.Data.Tables;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.SignIns.SecondFactors;

/// <summary>What a strategy sees of one attempt: the sign-in as it stands in the user's partition, the user's rows and the time.</summary>
internal sealed record SecondFactorContext(SignInRecord SignIn, UserSnapshot User, DateTimeOffset Now);

/// <summary>
/// One way to prove the second factor (<c>totp</c>, <c>backup_code</c>, <c>phone_code</c>). The sign-in endpoints
/// dispatch on <see cref="Strategy"/> and own everything around it: the client token, the sign-in's state machine and
/// its conditional writes, the lockout check before any code is judged, the failure budget, the session, the one
/// transaction that commits an outcome, and the audit trail. A strategy only prepares codes and judges them: it
/// reads nothing while judging and returns the writes that spend a right code. Register one with
/// <c>services.AddSingleton&lt;ISecondFactorStrategy, MyStrategy&gt;()</c>.
/// </summary>
internal interface ISecondFactorStrategy
{
    /// <summary>The wire name, e.g. <c>backup_code</c>.</summary>
    string Strategy { get; }

    /// <summary>The session token's <c>amr</c> value for this factor (RFC 8176), e.g. <c>otp</c> or <c>sms</c>.</summary>
    string AuthenticationMethod { get; }

    /// <summary>Whether the user has this factor now (it is then in <c>supported_second_factors</c>).</summary>
    bool IsAvailable(UserSnapshot user);

    /// <summary>
    /// <c>prepare_second_factor</c>: e.g. send a code. The lockout and the sign-in's state were checked before.
    /// </summary>
    Task<PrepareOutcome> PrepareAsync(SecondFactorContext context, RequestForm form, CancellationToken cancellationToken);

    /// <summary>The code in the one form it is judged in; null when it is malformed (nothing is judged then).</summary>
    string? Canonicalize(string code);

    /// <summary>
    /// Judges a canonical code against the snapshot, with no I/O. A right code comes back <see cref="AttemptResult.Verified"/>
    /// with <see cref="AttemptOutcome.Spend"/>, the conditional writes that use it up, committed by the caller in the
    /// outcome's transaction. A strategy whose verification lives on the sign-in (a phone code's tries) returns its next
    /// state in <see cref="AttemptOutcome.Verification"/>, committed in the same transaction: of any number of concurrent
    /// attempts, only those judged against the committed state commit, so a cap on tries holds.
    /// Called only while the user is not locked and the sign-in waits for its second factor.
    /// </summary>
    AttemptOutcome Judge(SecondFactorContext context, string canonicalCode);
}

/// <summary>
/// The result of a preparation: ready (and maybe a verification to store on the sign-in, with <see cref="AlsoWrite"/>
/// in the same transaction of the user's partition, and <see cref="Send"/> to run once that committed), or a rejection.
/// </summary>
internal sealed record PrepareOutcome(SecondFactorState? Verification, MfaError? Error)
{
    public IReadOnlyList<TableTransactionAction> AlsoWrite { get; init; } = [];

    /// <summary>What goes out once the verification is stored (an SMS): a message never carries a code the service does not know.</summary>
    public Func<CancellationToken, Task>? Send { get; init; }

    /// <summary>Nothing to prepare (<c>totp</c>, <c>backup_code</c>): the sign-in is answered as it is, as in Clerk.</summary>
    public static PrepareOutcome NothingToPrepare { get; } = new(null, null);

    public static PrepareOutcome Prepared(SecondFactorState verification, IReadOnlyList<TableTransactionAction> alsoWrite, Func<CancellationToken, Task> send) =>
        new(verification, null) { AlsoWrite = alsoWrite, Send = send };

    public static PrepareOutcome Rejected(MfaError error) => new(null, error);
}

internal enum AttemptResult
{
    /// <summary>The code is right; committing <see cref="AttemptOutcome.Spend"/> uses it.</summary>
    Verified,

    /// <summary>The code was wrong (or already used): spends one unit of the user's failure budget.</summary>
    Incorrect,

    /// <summary>Refused before any code was judged (factor gone, verification expired): costs nothing.</summary>
    Rejected,
}

/// <summary>
/// The result of one judgement. <see cref="Spend"/>: the user-partition writes that use a right code (If-Match on the
/// rows judged). <see cref="Error"/> replaces the default error of <see cref="AttemptResult.Incorrect"/>
/// (<c>form_code_incorrect</c>) and is required for <see cref="AttemptResult.Rejected"/>. <see cref="EventData"/> is added to the
/// audit event (never a code).
/// </summary>
internal sealed record AttemptOutcome(AttemptResult Result)
{
    public IReadOnlyList<TableTransactionAction> Spend { get; init; } = [];

    public MfaError? Error { get; init; }

    public IReadOnlyDictionary<string, string>? EventData { get; init; }

    /// <summary>The sign-in's verification after this judgement (a phone code's tries), written with the outcome; null leaves it.</summary>
    public SecondFactorState? Verification { get; init; }

    /// <summary>A second audit event of the strategy's own (e.g. <c>backup_code.used</c>), recorded with the success in one batch.</summary>
    public string? AlsoRecord { get; init; }

    public static AttemptOutcome Verified(IReadOnlyList<TableTransactionAction> spend, IReadOnlyDictionary<string, string>? eventData = null) =>
        new(AttemptResult.Verified) { Spend = spend, EventData = eventData };

    public static AttemptOutcome Incorrect() => new(AttemptResult.Incorrect);

    public static AttemptOutcome Rejected(MfaError error) => new(AttemptResult.Rejected) { Error = error };
}
