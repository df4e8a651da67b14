using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;

namespace FunctionsMfa.Functions.SignIns.SecondFactors;

/// <summary>
/// <c>totp</c>: a code from the user's authenticator app, checked by the TOTP feature's verifier with its replay
/// protection (a step at or before the last accepted one is refused, atomically).
/// </summary>
internal sealed class TotpSecondFactor(ITotpCodeCheck verifier) : ISecondFactorStrategy
{
    public string Strategy => "totp";

    public string AuthenticationMethod => "otp";

    public IReadOnlyList<string> PrepareParameters => [];

    public bool IsAvailable(UserSnapshot user) => UserFactors.From(user).TotpEnabled;

    public Task<PrepareOutcome> PrepareAsync(SecondFactorContext context, RequestForm form, CancellationToken cancellationToken) =>
        Task.FromResult(PrepareOutcome.NothingToPrepare);

    public async Task<AttemptOutcome> AttemptAsync(SecondFactorContext context, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return await verifier.VerifyAndConsumeAsync(context.User.UserId, code, cancellationToken) switch
        {
            TotpCodeCheck.Accepted => AttemptOutcome.Verified(),
            TotpCodeCheck.Incorrect => AttemptOutcome.Incorrect(),
            TotpCodeCheck.FormatInvalid => AttemptOutcome.Rejected(MfaErrors.FormParamFormatInvalid("code")),
            _ => AttemptOutcome.Rejected(MfaErrors.StrategyForUserInvalid),
        };
    }
}

/// <summary>The outcome of checking a TOTP code, in the sign-in's terms.</summary>
internal enum TotpCodeCheck
{
    Accepted,
    Incorrect,
    FormatInvalid,
    NotEnabled,
}

/// <summary>The seam to the TOTP feature's verifier (see <c>TotpCodeCheckAdapter</c>).</summary>
internal interface ITotpCodeCheck
{
    Task<TotpCodeCheck> VerifyAndConsumeAsync(string userId, string code, CancellationToken cancellationToken);
}
