using FunctionsMfa.Functions.Totp;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;

namespace FunctionsMfa.Functions.SignIns.SecondFactors;

/// <summary>
/// <c>totp</c>: a code from the user's authenticator app, checked by the TOTP feature's <see cref="TotpVerifier"/>
/// with its replay protection (a step at or before the last accepted one is refused, atomically).
/// </summary>
internal sealed class TotpSecondFactor(TotpVerifier verifier) : ISecondFactorStrategy
{
    public string Strategy => "totp";

    public string AuthenticationMethod => "otp";

    public IReadOnlyList<string> PrepareParameters => [];

    public bool IsAvailable(UserSnapshot user) => UserFactors.From(user).TotpEnabled;

    public Task<PrepareOutcome> PrepareAsync(SecondFactorContext context, RequestForm form, CancellationToken cancellationToken) =>
        Task.FromResult(PrepareOutcome.NothingToPrepare);

    /// <summary>Round trips: the verifier's (1 point read, + 1 If-Match write when the code is right).</summary>
    public async Task<AttemptOutcome> AttemptAsync(SecondFactorContext context, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return await verifier.VerifyAndConsumeAsync(context.User.UserId, code, cancellationToken) switch
        {
            TotpCheck.Accepted => AttemptOutcome.Verified(),
            TotpCheck.Incorrect => AttemptOutcome.Incorrect(),
            TotpCheck.FormatInvalid => AttemptOutcome.Rejected(MfaErrors.FormParamFormatInvalid("code")),
            // Removed between the partition read and the check.
            TotpCheck.NotEnabled => AttemptOutcome.Rejected(MfaErrors.StrategyForUserInvalid),
            _ => throw new InvalidOperationException("Unknown TOTP check."),
        };
    }
}
