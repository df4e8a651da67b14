namespace FunctionsMfa.Functions.SignIns.SecondFactors;

/// <summary>
/// PROVISIONAL — adapts the TOTP feature's verifier (issue 3, branch <c>totp</c>), which is not on main yet. Written
/// against its documented signature <c>TotpVerifier.VerifyAndConsumeAsync(userId, code, ct)</c> returning
/// {Accepted, Incorrect, FormatInvalid, NotEnabled}; until it lands every TOTP attempt answers NotEnabled
/// (<c>strategy_for_user_invalid</c>, no budget spent). Replace the body with the call once TOTP is merged.
/// </summary>
internal sealed class TotpCodeCheckAdapter : ITotpCodeCheck
{
    public Task<TotpCodeCheck> VerifyAndConsumeAsync(string userId, string code, CancellationToken cancellationToken) =>
        Task.FromResult(TotpCodeCheck.NotEnabled);
}
