using Azure;
using Azure.Data.Tables;
using FunctionsMfa.Domain.SignIns;
using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>
/// Sign-ins: the creation row in <c>mfasignins</c> (written once), and the state row in the user's partition
/// (<see cref="UserRows.SignInPrefix"/>), which every later change writes If-Match inside the transaction of the
/// outcome it belongs to. So completing a sign-in, spending its code, creating its session and recording its audit
/// event are one commit, and a phone code's tries are judged and counted in that same commit.
/// </summary>
internal sealed class SignInStore(MfaStorage storage)
{
    /// <summary>How long a state row outlives its sign-in's <c>abandon_at</c>: readers see a completed sign-in as such for this long.</summary>
    public static readonly TimeSpan StateRetention = TimeSpan.FromDays(1);

    /// <summary>How many outlived state rows one commit cleans up at most.</summary>
    private const int CleanupPerCommit = 10;

    public static string StateRowKey(string signInId) => UserRows.SignInPrefix + signInId;

    /// <summary>
    /// Inserts a new sign-in. The SDK retries an insert whose answer timed out, and the retry then meets the row its
    /// first try wrote (409): that row is this sign-in (its id is 128 random bits and it carries this client token's
    /// hash), so it is the success, not a conflict. Found by the bench at c=64, where it was a 500.
    /// </summary>
    public async Task<SignInRecord> InsertAsync(SignInRecord signIn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signIn);
        var table = await storage.TableAsync(MfaTables.SignIns);
        try
        {
            await table.AddEntityAsync(signIn.ToEntity(), cancellationToken);
            return signIn;
        }
        catch (RequestFailedException exception) when (exception.Status == 409)
        {
            var written = await GetAsync(signIn.Id, cancellationToken);
            if (written is null || !written.ClientTokenHash.AsSpan().SequenceEqual(signIn.ClientTokenHash))
            {
                throw;
            }

            return written;
        }
    }

    /// <summary>The creation row: the sign-in as it was created (overlay it with <see cref="Current"/>). Round trips: 1.</summary>
    public async Task<SignInRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var table = await storage.TableAsync(MfaTables.SignIns);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(id, SignInRecord.RowKey, cancellationToken: cancellationToken);
        return response.HasValue ? SignInRecord.FromEntity(response.Value!) : null;
    }

    /// <summary>The sign-in as it stands in <paramref name="user"/>'s partition: its state row over its creation row.</summary>
    public static SignInRecord Current(SignInRecord created, UserSnapshot user)
    {
        ArgumentNullException.ThrowIfNull(created);
        ArgumentNullException.ThrowIfNull(user);
        if (user.Row(StateRowKey(created.Id)) is not { } row)
        {
            return created with { StateETag = null };
        }

        return created with
        {
            Status = SignInStatusNames.Parse(row.GetString("Status")),
            CreatedSessionId = row.GetString("CreatedSessionId"),
            SecondFactor = SecondFactorState.ReadFrom(row),
            StateETag = row.ETag,
        };
    }

    /// <summary>The write of the sign-in's state row for the caller's transaction: insert-if-absent, or If-Match on the row read.</summary>
    public static TableTransactionAction Write(SignInRecord next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var entity = new TableEntity(next.UserId, StateRowKey(next.Id))
        {
            ["Status"] = next.Status.ToWire(),
            ["CreatedSessionId"] = next.CreatedSessionId,
            ["AbandonAt"] = next.AbandonAt,
        };
        next.SecondFactor?.WriteTo(entity);
        return next.StateETag is { } etag
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, etag)
            : new TableTransactionAction(TableTransactionActionType.Add, entity);
    }

    /// <summary>Deletes of state rows (If-Match) whose sign-ins ended more than <see cref="StateRetention"/> ago, a bounded number, for the caller's transaction.</summary>
    public static IEnumerable<TableTransactionAction> CleanupActions(UserSnapshot user, DateTimeOffset now, string? exceptSignInId = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        var keep = exceptSignInId is null ? null : StateRowKey(exceptSignInId);
        return user.RowsWithPrefix(UserRows.SignInPrefix)
            .Where(row => row.RowKey != keep && (row.GetDateTimeOffset("AbandonAt") is not { } abandonAt || abandonAt + StateRetention <= now))
            .Take(CleanupPerCommit)
            .Select(row => new TableTransactionAction(TableTransactionActionType.Delete, row, row.ETag));
    }
}
