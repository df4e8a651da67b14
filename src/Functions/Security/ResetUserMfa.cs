using System.Globalization;
using Azure;
using Azure.Data.Tables;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.Security;

/// <summary>
/// Support reset: deletes every row of the user's partition (factors, backup codes, failure budget) with If-Match,
/// in entity-group transactions of at most 100; a row changed meanwhile makes the transaction fail and the reset
/// start again from a fresh read. The audit trail (another table) stays, with a record of the reset.
/// </summary>
[CalledBy(Caller.Backend)]
internal sealed class ResetUserMfa(UserStore users, SecurityEventLog events)
{
    [Function(nameof(ResetUserMfa))]
    public async Task<Results<Ok<DeletedMfaResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", "post", Route = "v1/users/{user_id}/mfa")] HttpRequest request, string user_id, CancellationToken cancellationToken)
    {
        var userId = user_id;

        if (!UserRows.IsValidUserId(userId))
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        UserFactors removed = new(false, 0, []);
        await Storage.Contention.RetryAsync<object>("user's rows", async attempt =>
        {
            var user = await users.LoadAsync(userId, cancellationToken);
            if (attempt == 0)
            {
                removed = user.Factors;
            }

            // A row that changed or went meanwhile: read again and delete what is there now.
            return await users.TryDeleteAllAsync(user, cancellationToken) ? user : null;
        });

        await events.RecordAsync(userId, SecurityEventTypes.MfaReset, new Dictionary<string, string>
        {
            ["totp"] = removed.TotpEnabled ? "true" : "false",
            ["backup_codes"] = removed.BackupCodesRemaining.ToString(CultureInfo.InvariantCulture),
            ["phone_numbers"] = removed.SecondFactorPhoneIds.Count.ToString(CultureInfo.InvariantCulture),
        }, cancellationToken);
        return TypedResults.Ok(new DeletedMfaResource(userId));
    }
}
