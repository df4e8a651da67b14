using FunctionsMfa.Functions.SignIns.SecondFactors;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.Totp;

/// <summary>
/// <c>totp</c>: a code from the user's authenticator app, checked by the TOTP feature's <see cref="TotpVerifier"/>
/// with its replay protection (a step at or before the last accepted one is refused; the step is spent in the
/// attempt's transaction, If-Match on the row judged).
/// </summary>
internal sealed class TotpSecondFactor(TotpVerifier verifier) : ISecondFactorStrategy
{
    public string Strategy => "totp";

    public string AuthenticationMethod => "otp";

    public bool IsAvailable(UserSnapshot user) => user.Factors.TotpEnabled;

    public Task<PrepareOutcome> PrepareAsync(SecondFactorContext context, RequestForm form, CancellationToken cancellationToken) =>
        Task.FromResult(PrepareOutcome.NothingToPrepare);

    public string? Canonicalize(string code) => verifier.IsWellFormed(code) ? code : null;

    /// <summary>No I/O: the <c>totp</c> row came with the user's partition; a right code spends its step in the attempt's transaction.</summary>
    public AttemptOutcome Judge(SecondFactorContext context, string canonicalCode)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (TotpStore.Find(context.User) is not { Record.Verified: true } stored)
        {
            return AttemptOutcome.Rejected(MfaErrors.StrategyForUserInvalid);
        }

        var judgement = verifier.Judge(context.User.UserId, stored, canonicalCode);
        return judgement.Check switch
        {
            TotpCheck.Accepted => AttemptOutcome.Verified([judgement.Spend!]),
            TotpCheck.Incorrect => AttemptOutcome.Incorrect(),
            TotpCheck.FormatInvalid => AttemptOutcome.Rejected(MfaErrors.FormParamFormatInvalid("code")),
            _ => AttemptOutcome.Rejected(MfaErrors.StrategyForUserInvalid),
        };
    }
}
