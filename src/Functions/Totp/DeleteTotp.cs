using FunctionsMfa.Functions.BackupCodes;
using System.Globalization;
using Azure.Data.Tables;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.Totp;

/// <summary>
/// Removes the secret; when no other second factor is left, the backup codes go in the same entity-group transaction.
/// Step-up when the TOTP (or another factor) is enabled.
/// Round trips: 1 (the transaction: the row If-Match, the backup codes when no factor is left, the ends of the other
/// sessions, the audit event; the partition came with the session check).
/// </summary>
[CalledBy(Caller.Session)]
[Form]
internal sealed class DeleteTotp(UserStore users, TotpStore store, StepUp stepUp, SecurityEventLog events)
{
    [Function(nameof(DeleteTotp))]
    public async Task<Results<Ok<DeletedTotpResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/me/totp")] HttpRequest request, CancellationToken cancellationToken)
    {
        var session = request.Session();

        return await Storage.Contention.RetryAsync<Results<Ok<DeletedTotpResource>, ErrorResult>>("TOTP secret", async attempt =>
        {
            var user = attempt == 0 ? session.User : await users.LoadAsync(session.UserId, cancellationToken);
            if (TotpStore.Find(user) is not { } stored)
            {
                return MfaErrors.ResourceNotFound.Result();
            }

            var factors = user.Factors;
            if (stepUp.Check(session, factors.TwoFactorEnabled) is { } stepUpError)
            {
                return stepUpError.Result();
            }

            var backupRows = BackupCodeStore.RowsToDrop(user, factorLeft: factors.TwoFactorEnabledWithout(totp: true));
            // A removed authenticator ends the user's other sessions in the same transaction: one of them may be why.
            var endOthers = stored.Record.Verified ? SessionStore.EndOthersActions(user, session.SessionId) : [];
            var id = stored.Record.Id;
            var deleted = events.Record(session.UserId, SecurityEventTypes.TotpDeleted, new Dictionary<string, string>
            {
                ["totp_id"] = id,
                ["backup_codes_removed"] = BackupCodeStore.CodesIn(backupRows).ToString(CultureInfo.InvariantCulture),
            });
            if (!await store.TryDeleteAsync(session.UserId, stored.ETag, backupRows, [.. endOthers, deleted], cancellationToken))
            {
                return null;
            }

            return TypedResults.Ok(new DeletedTotpResource(id));
                });
    }
}
