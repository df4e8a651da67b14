using System.Globalization;
using Azure;
using Azure.Data.Tables;
using FunctionsMfa.Domain.Phone;
using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Functions.Users;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Sms;

/// <summary>
/// The SMS abuse limits, each a sliding log of recent sends. A destination number's log is a row of table
/// <c>mfasmslimits</c> (partition <c>number:+1…</c>), shared by every user who holds that number, reserved with a
/// conditional write (insert-if-absent or If-Match) retried from a fresh read on a conflict. A user's log is the
/// <see cref="UserRows.SmsLog"/> row of the user's partition: it is checked on the partition the request read anyway
/// and written If-Match in the transaction that stores the code. The number is reserved first, then the user's
/// transaction commits; if it does not, the number's slot stays spent (it errs towards fewer SMS, never more).
/// Round trips: 1 read + 1 write (the number), the user's log none of its own.
/// </summary>
internal sealed class SmsLimitStore(MfaStorage storage, IOptions<SmsOptions> options, TimeProvider time)
{
    private const string RowKey = "sends";
    private const int MaxConflictRetries = 10;

    /// <summary>Why the user may not be sent a code now (429 with the wait), from the snapshot; null when they may.</summary>
    public MfaError? UserRefusal(UserSnapshot user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var wait = SmsSendPolicy.UserWait(Parse(user.Row(UserRows.SmsLog)?.GetString("Sends")), time.GetUtcNow(), options.Value.Limits);
        return wait > TimeSpan.Zero ? Refuse(wait) : null;
    }

    /// <summary>This send recorded in the user's log, for the caller's transaction (insert-if-absent or If-Match on the snapshot's row).</summary>
    public TableTransactionAction UserLogWrite(UserSnapshot user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var row = user.Row(UserRows.SmsLog);
        var entity = new TableEntity(user.UserId, UserRows.SmsLog)
        {
            ["Sends"] = Format(SmsSendPolicy.Record(Parse(row?.GetString("Sends")), time.GetUtcNow(), TimeSpan.FromDays(1))),
        };
        return row is null
            ? new TableTransactionAction(TableTransactionActionType.Add, entity)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, row.ETag);
    }

    /// <summary>Spends a send slot of the destination number; the error to answer when it has none now.</summary>
    public async Task<MfaError?> TryReserveNumberAsync(string e164, CancellationToken cancellationToken)
    {
        var table = await storage.TableAsync(MfaTables.SmsLimits);
        var limits = options.Value.Limits;
        var partition = "number:" + e164;
        var log = await ReadAsync(table, partition, cancellationToken);
        for (var attempt = 0; attempt < MaxConflictRetries; attempt++)
        {
            var now = time.GetUtcNow();
            var wait = SmsSendPolicy.NumberWait(log.Sends, now, limits);
            if (wait > TimeSpan.Zero)
            {
                return Refuse(wait);
            }

            // A try whose answer was lost, sent again by the SDK, meets its own write, which must not count as another's
            // send (a 429 with no SMS sent).
            var stamp = CommitStamp.New();
            var entity = new TableEntity(partition, RowKey)
            {
                ["Sends"] = Format(SmsSendPolicy.Record(log.Sends, now, TimeSpan.FromHours(1))),
                [CommitStamp.Property] = stamp,
            };
            try
            {
                if (log.ETag is { } etag)
                {
                    await table.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, cancellationToken);
                }
                else
                {
                    await table.AddEntityAsync(entity, cancellationToken);
                }

                return null;
            }
            catch (RequestFailedException exception) when (exception.Status is 409 or 412)
            {
                log = await ReadAsync(table, partition, cancellationToken);
                if (string.Equals(log.Commit, stamp, StringComparison.Ordinal))
                {
                    return null;
                }
            }
        }

        // Sustained contention on one number is itself a sign of abuse.
        return Refuse(options.Value.MinInterval);
    }

    private static async Task<SendLog> ReadAsync(TableClient table, string partition, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(partition, RowKey, cancellationToken: cancellationToken);
        if (!response.HasValue)
        {
            return new SendLog([], null, null);
        }

        var entity = response.Value!;
        return new SendLog(Parse(entity.GetString("Sends")), entity.ETag, entity.GetString(CommitStamp.Property));
    }

    private static IReadOnlyList<DateTimeOffset> Parse(string? value) =>
        string.IsNullOrEmpty(value)
            ? []
            : [.. value.Split(',').Select(s => DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(s, CultureInfo.InvariantCulture)))];

    private static string Format(IEnumerable<DateTimeOffset> sends) =>
        string.Join(',', sends.Select(s => s.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));

    private static MfaError Refuse(TimeSpan wait) => MfaErrors.SmsTooManyRequests((int)Math.Ceiling(wait.TotalSeconds));

    private sealed record SendLog(IReadOnlyList<DateTimeOffset> Sends, ETag? ETag, string? Commit);
}
