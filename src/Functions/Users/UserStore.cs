using Azure.Data.Tables;
using FunctionsMfa.Functions.Storage;

namespace FunctionsMfa.Functions.Users;

/// <summary>
/// Everything stored for one user, read in one partition query (one round trip). What several features read of it
/// (which factors are on, the phone numbers) is parsed here once, at the storage boundary, into <see cref="Phones"/>
/// and <see cref="Factors"/>; a feature's own rows are parsed by its store, which also writes them If-Match on their
/// ETags (<see cref="Rows"/>).
/// </summary>
internal sealed class UserSnapshot(string userId, IReadOnlyDictionary<string, TableEntity> rows)
{
    private UserFactors? factors;
    private IReadOnlyList<PhoneNumberSummary>? phones;

    public string UserId { get; } = userId;

    /// <summary>The user's phone numbers as every feature may see them.</summary>
    public IReadOnlyList<PhoneNumberSummary> Phones => phones ??= [.. RowsWithPrefix(UserRows.PhonePrefix).Select(PhoneNumberSummary.From)];

    /// <summary>Which second factors are on.</summary>
    public UserFactors Factors => factors ??= UserFactors.From(this);

    public IReadOnlyDictionary<string, TableEntity> Rows { get; } = rows;

    public TableEntity? Row(string rowKey) => Rows.GetValueOrDefault(rowKey);

    public IEnumerable<TableEntity> RowsWithPrefix(string prefix) =>
        Rows.Values.Where(row => row.RowKey.StartsWith(prefix, StringComparison.Ordinal));
}

internal sealed class UserStore(MfaStorage storage)
{
    public async Task<UserSnapshot> LoadAsync(string userId, CancellationToken cancellationToken)
    {
        var table = await storage.TableAsync(MfaTables.Users);
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        // Everything but the audit trail, which sorts last (UserRows.EventPrefix).
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {userId} and RowKey lt {UserRows.EventPrefix}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            rows[row.RowKey] = row;
        }

        return new UserSnapshot(userId, rows);
    }

    public ValueTask<TableClient> TableAsync() => storage.TableAsync(MfaTables.Users);

    /// <summary>
    /// Deletes every row of the snapshot If-Match, in transactions of at most 100 (a support reset), but the sign-ins'
    /// state rows: a completed sign-in stays completed (and cannot be completed again), and they go on their own. The
    /// audit trail is not in a snapshot, so it stays. False when a row changed or went since the snapshot: the caller
    /// reads again and deletes what is there now.
    /// </summary>
    public async Task<bool> TryDeleteAllAsync(UserSnapshot user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var table = await storage.TableAsync(MfaTables.Users);
        try
        {
            foreach (var chunk in user.Rows.Values.Where(row => !row.RowKey.StartsWith(UserRows.SignInPrefix, StringComparison.Ordinal)).Chunk(100))
            {
                await table.SubmitTransactionAsync(
                    chunk.Select(row => new TableTransactionAction(TableTransactionActionType.Delete, row, row.ETag)), cancellationToken);
            }

            return true;
        }
        catch (Azure.RequestFailedException exception) when (exception.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>
    /// Commits <paramref name="actions"/> (one partition, each conditional: If-Match or insert-if-absent) as one
    /// entity-group transaction: all or nothing, one round trip. False when any condition failed, i.e. some row changed
    /// since the snapshot it was decided on; the caller reads again and decides again, never overwrites.
    /// <para>
    /// A try whose answer was lost (a network timeout after storage wrote it) is sent again by the SDK and meets its own
    /// rows: a condition fails though the transaction committed, and the caller would judge its own write as another's
    /// (a factor "already enabled", backup codes written but never shown, a code stored but never sent). So a row the
    /// transaction writes (the last it inserts, which no later write changes; else the first it updates) carries a
    /// stamp (<see cref="CommitStamp"/>, random, this call's own), and a failed condition reads that property back
    /// (one round trip, on this path only): when it is the stamp, the transaction committed and the answer is true.
    /// </para>
    /// </summary>
    public async Task<bool> TryCommitAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count == 0)
        {
            return true;
        }

        // One transaction holds at most 100 operations; every caller bounds what it adds well below that.
        if (actions.Count > 100)
        {
            throw new InvalidOperationException("Too many rows for one transaction.");
        }

        // The last row inserted (the audit event a transaction ends with, a session) keeps its stamp: its key is new and
        // no later write changes it. Else the first row updated.
        var stamped = (actions.LastOrDefault(action => action.ActionType == TableTransactionActionType.Add)
            ?? actions.FirstOrDefault(action => action.ActionType != TableTransactionActionType.Delete))?.Entity as TableEntity;
        var stamp = CommitStamp.New();
        stamped?[CommitStamp.Property] = stamp;

        var table = await storage.TableAsync(MfaTables.Users);
        try
        {
            await table.SubmitTransactionAsync(actions, cancellationToken);
            return true;
        }
        catch (Azure.RequestFailedException exception) when (exception.Status is 404 or 409 or 412)
        {
            if (stamped is null)
            {
                return false;
            }

            var stored = await table.GetEntityIfExistsAsync<TableEntity>(stamped.PartitionKey, stamped.RowKey, [CommitStamp.Property], cancellationToken);
            return stored.HasValue && string.Equals(stored.Value!.GetString(CommitStamp.Property), stamp, StringComparison.Ordinal);
        }
    }

    /// <summary>The label authenticator apps show for the user: the app's <c>user_label</c> when one is known, else the id.</summary>
    public static string Label(UserSnapshot user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Row(UserRows.Profile)?.GetString("UserLabel") is { Length: > 0 } label ? label : user.UserId;
    }

    /// <summary>
    /// The write that keeps the app's latest label for the user, for a transaction: null when it is unchanged;
    /// otherwise insert-if-absent or If-Match replace on the snapshot's row.
    /// </summary>
    public static TableTransactionAction? LabelWrite(UserSnapshot user, string? label)
    {
        ArgumentNullException.ThrowIfNull(user);
        var existing = user.Row(UserRows.Profile);
        if (label is null || string.Equals(existing?.GetString("UserLabel"), label, StringComparison.Ordinal))
        {
            return null;
        }

        var entity = new TableEntity(user.UserId, UserRows.Profile) { ["UserLabel"] = label };
        return existing is null
            ? new TableTransactionAction(TableTransactionActionType.Add, entity)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, existing.ETag);
    }

    /// <summary>
    /// Commits a <see cref="LabelWrite"/> on its own. A conflict means another sign-in wrote a label at the same moment;
    /// either label is right, so it is left as that request wrote it. Round trips: 1.
    /// </summary>
    public Task RememberLabelAsync(TableTransactionAction labelWrite, CancellationToken cancellationToken) =>
        TryCommitAsync([labelWrite], cancellationToken);
}
