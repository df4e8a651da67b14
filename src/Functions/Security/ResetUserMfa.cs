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

        var table = await users.TableAsync();
        UserFactors removed = new(false, 0, []);
        for (var attempt = 0; ; attempt++)
        {
            var user = await users.LoadAsync(userId, cancellationToken);
            if (attempt == 0)
            {
                removed = user.Factors;
            }

            if (user.Rows.Count == 0)
            {
                break;
            }

            try
            {
                foreach (var chunk in user.Rows.Values.Chunk(100))
                {
                    await table.SubmitTransactionAsync(
                        chunk.Select(row => new TableTransactionAction(TableTransactionActionType.Delete, row, row.ETag)), cancellationToken);
                }

                break;
            }
            catch (RequestFailedException exception) when (exception.Status is 404 or 412)
            {
                // A row changed or went meanwhile: read again and delete what is there now.
                if (attempt + 1 >= Storage.Contention.MaxRounds)
                {
                    throw new Storage.StorageContentionException("user's rows");
                }
            }
        }

        await events.RecordAsync(userId, SecurityEventTypes.MfaReset, new Dictionary<string, string>
        {
            ["totp"] = removed.TotpEnabled ? "true" : "false",
            ["backup_codes"] = removed.BackupCodesRemaining.ToString(CultureInfo.InvariantCulture),
            ["phone_numbers"] = removed.SecondFactorPhoneIds.Count.ToString(CultureInfo.InvariantCulture),
        }, cancellationToken);
        return TypedResults.Ok(new DeletedMfaResource(userId));
    }
}
