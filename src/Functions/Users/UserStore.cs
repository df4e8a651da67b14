using Azure.Data.Tables;
using FunctionsMfa.Functions.Storage;

namespace FunctionsMfa.Functions.Users;

/// <summary>Everything stored for one user, read in one partition query (one round trip).</summary>
internal sealed class UserSnapshot(string userId, IReadOnlyDictionary<string, TableEntity> rows)
{
    public string UserId { get; } = userId;

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
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == userId, cancellationToken: cancellationToken))
        {
            rows[row.RowKey] = row;
        }

        return new UserSnapshot(userId, rows);
    }

    public ValueTask<TableClient> TableAsync() => storage.TableAsync(MfaTables.Users);
}
