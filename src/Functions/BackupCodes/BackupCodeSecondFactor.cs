using System.Globalization;
using FunctionsMfa.Domain.BackupCodes;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.SignIns.SecondFactors;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.BackupCodes;

/// <summary><c>backup_code</c>: one of the user's single-use codes, in any case, with or without separators.</summary>
internal sealed class BackupCodeSecondFactor(BackupCodeStore store) : ISecondFactorStrategy
{
    public string Strategy => "backup_code";

    // RFC 8176 has no value for recovery codes; they are one-time passwords.
    public string AuthenticationMethod => "otp";

    public bool IsAvailable(UserSnapshot user) => user.Factors.BackupCodeEnabled;

    public Task<PrepareOutcome> PrepareAsync(SecondFactorContext context, RequestForm form, CancellationToken cancellationToken) =>
        Task.FromResult(PrepareOutcome.NothingToPrepare);

    public string? Canonicalize(string code) => BackupCodeFormat.Normalize(code);

    /// <summary>No I/O: the set came with the user's partition (the code found in O(1) by its keyed name); a right code is spent by rewriting the set without it, If-Match, in the attempt's transaction.</summary>
    public AttemptOutcome Judge(SecondFactorContext context, string canonicalCode)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (store.TrySpend(context.User, canonicalCode) is not { } spent)
        {
            return AttemptOutcome.Incorrect();
        }

        return AttemptOutcome.Verified(
            [spent.Spend],
            new Dictionary<string, string> { ["remaining"] = spent.Remaining.ToString(CultureInfo.InvariantCulture) }) with
        {
            AlsoRecord = SecurityEventTypes.BackupCodeUsed,
        };
    }
}
