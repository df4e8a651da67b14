using System.Globalization;
using Azure.Data.Tables;
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

    /// <summary>No I/O: the code's row came with the user's partition (found in O(1) by its keyed row key); a right code's row is deleted If-Match in the attempt's transaction.</summary>
    public AttemptOutcome Judge(SecondFactorContext context, string canonicalCode)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (store.Find(context.User, canonicalCode) is not { } row)
        {
            return AttemptOutcome.Incorrect();
        }

        var remaining = Math.Max(0, context.User.RowsWithPrefix(UserRows.BackupCodePrefix).Count() - 1);
        return AttemptOutcome.Verified(
            [new TableTransactionAction(TableTransactionActionType.Delete, row, row.ETag)],
            new Dictionary<string, string> { ["remaining"] = remaining.ToString(CultureInfo.InvariantCulture) }) with
        {
            AlsoRecord = SecurityEventTypes.BackupCodeUsed,
        };
    }
}
