using System.Globalization;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.BackupCodes;

/// <summary>
/// Round trips: 1 (the session check's partition query, reused) + 1 (the transaction that replaces the set, If-Match
/// on the set as read, with its audit event). Of concurrent regenerations one wins; the others get <c>concurrent_request_conflict</c>
/// (409) and no codes, so every set ever shown works until the next regeneration.
/// </summary>
[CalledBy(Caller.Session)]
[Form]
internal sealed class CreateBackupCodes(StepUp stepUp, BackupCodeStore store, SecurityEventLog events)
{
    [Function(nameof(CreateBackupCodes))]
    public async Task<Results<Ok<BackupCodeResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/me/backup_codes")] HttpRequest request, CancellationToken cancellationToken)
    {
        var session = request.Session();

        var user = session.User;
        if (!user.Factors.TwoFactorEnabled)
        {
            return MfaErrors.BackupCodesNotAvailable.Result();
        }

        if (stepUp.Check(session, userHasSecondFactor: true) is { } reverify)
        {
            return reverify.Result();
        }

        var created = events.Record(session.UserId, SecurityEventTypes.BackupCodesCreated,
            new Dictionary<string, string> { ["count"] = Domain.BackupCodes.BackupCodeFormat.CodesPerSet.ToString(CultureInfo.InvariantCulture) });
        if (await store.TryReplaceAsync(user, [created], cancellationToken) is not { } issued)
        {
            return MfaErrors.ConcurrentRequestConflict.Result();
        }

        return TypedResults.Ok(BackupCodeResource.From(issued));
    }
}
