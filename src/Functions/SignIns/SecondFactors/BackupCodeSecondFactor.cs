using System.Globalization;
using FunctionsMfa.Domain.BackupCodes;
using FunctionsMfa.Functions.BackupCodes;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;

namespace FunctionsMfa.Functions.SignIns.SecondFactors;

/// <summary><c>backup_code</c>: one of the user's single-use codes, in any case, with or without separators.</summary>
internal sealed class BackupCodeSecondFactor(BackupCodeStore store, SecurityEventLog events) : ISecondFactorStrategy
{
    public string Strategy => "backup_code";

    // RFC 8176 has no value for recovery codes; they are one-time passwords.
    public string AuthenticationMethod => "otp";

    public IReadOnlyList<string> PrepareParameters => [];

    public bool IsAvailable(UserSnapshot user) => UserFactors.From(user).BackupCodeEnabled;

    public Task<PrepareOutcome> PrepareAsync(SecondFactorContext context, RequestForm form, CancellationToken cancellationToken) =>
        Task.FromResult(PrepareOutcome.NothingToPrepare);

    /// <summary>Round trips: 1 conditional delete (the code's row came with the user's partition, already read), 1 audit insert.</summary>
    public async Task<AttemptOutcome> AttemptAsync(SecondFactorContext context, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var canonical = BackupCodeFormat.Normalize(code);
        if (canonical is null)
        {
            return AttemptOutcome.Rejected(MfaErrors.FormParamFormatInvalid("code"));
        }

        var (result, remaining) = await store.RedeemAsync(context.User, canonical, cancellationToken);
        if (result != RedeemResult.Redeemed)
        {
            return AttemptOutcome.Incorrect();
        }

        var data = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["remaining"] = remaining.ToString(CultureInfo.InvariantCulture),
            ["sign_in_id"] = context.SignIn.Id,
        };
        await events.RecordAsync(context.User.UserId, SecurityEventTypes.BackupCodeUsed, data, cancellationToken);
        return AttemptOutcome.Verified(new Dictionary<string, string> { ["remaining"] = data["remaining"] });
    }
}
