using FunctionsMfa.Functions.BackupCodes;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.Totp;

/// <summary>
/// Checks the first code from the app, marks the secret verified and uses up that code's time step; a first set of
/// backup codes comes back when the backup-code feature is present and the user has none. The secret's new state and
/// the backup codes are one transaction (If-Match on the rows judged): the factor is never enabled without its codes,
/// and a failed commit leaves the enrolment as it was, so the same request can simply be sent again.
/// Round trips: 1 (the transaction, with its audit event; the partition came with the session check).
/// </summary>
[CalledBy(Caller.Session)]
[Form("code", Required = ["code"])]
internal sealed class VerifyTotp(TotpVerifier verifier, UserStore users, SecurityEventLog events)
{
    [Function(nameof(VerifyTotp))]
    public async Task<Results<Ok<TotpResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/me/totp/attempt_verification")] HttpRequest request, CancellationToken cancellationToken)
    {
        var context = request.HttpContext;
        var session = request.Session();

        var form = request.Form();

        if (form.Require("code", out var code) is { } missing)
        {
            return missing.Result();
        }

        if (!verifier.IsWellFormed(code))
        {
            return MfaErrors.FormParamFormatInvalid("code").Result();
        }

        // Optional on purpose: the backup-code feature registers the issuer; without it there are simply none to show.
        var issuer = context.RequestServices.GetService<IBackupCodeIssuer>();
        return await Storage.Contention.RetryAsync<Results<Ok<TotpResource>, ErrorResult>>("TOTP secret", async attempt =>
        {
            var user = attempt == 0 ? session.User : await users.LoadAsync(session.UserId, cancellationToken);
            if (TotpStore.Find(user) is not { } stored)
            {
                return MfaErrors.ResourceNotFound.Result();
            }

            if (stored.Record.Verified)
            {
                // Not a second way to test codes: a verified secret is checked only by sign-in, which counts failures.
                return MfaErrors.TotpAlreadyEnabled.Result();
            }

            var judgement = verifier.Judge(session.UserId, stored, code);
            if (judgement.Check != TotpCheck.Accepted)
            {
                return MfaErrors.FormCodeIncorrect.Result();
            }

            var firstCodes = issuer?.PrepareIfNone(user);
            var verified = events.Record(session.UserId, SecurityEventTypes.TotpVerified, new Dictionary<string, string> { ["totp_id"] = stored.Record.Id });
            if (!await users.TryCommitAsync([judgement.Spend!, .. firstCodes?.Actions ?? [], verified], cancellationToken))
            {
                // A concurrent request changed the secret or the codes: judge again against what is there now.
                return null;
            }

            return TypedResults.Ok(TotpResource.From(judgement.Updated!, firstCodes?.Issued.Codes));
                });
    }
}
