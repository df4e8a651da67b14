using System.Globalization;
using Azure;
using Azure.Data.Tables;
using FunctionsMfa.Domain.Phone;
using FunctionsMfa.Functions.Storage;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Sms;

/// <summary>
/// The SMS abuse limits in table <c>mfasmslimits</c>: one row per destination number (<c>number:+1…</c>) and one per
/// user (<c>user:…</c>), each holding the recent sends as a sliding log. Each reservation is a conditional write
/// (insert-if-absent or If-Match), retried from a fresh read on a conflict, so the limits hold across instances.
/// The two partitions cannot change in one transaction: the number is reserved first, then the user; if the user's
/// budget ran out in between, the number's slot stays spent (it errs towards fewer SMS, never more).
/// Round trips: 2 reads (in parallel) + 2 writes when allowed; 2 reads when refused.
/// </summary>
internal sealed class SmsLimitStore(MfaStorage storage, IOptions<SmsOptions> options, TimeProvider time)
{
    private const string RowKey = "sends";
    private const int MaxConflictRetries = 10;

    public async Task<MfaError?> TryReserveAsync(string userId, string e164, CancellationToken cancellationToken)
    {
        var table = await storage.TableAsync(MfaTables.SmsLimits);
        var limits = options.Value.Limits;
        var numberKey = "number:" + e164;
        var userKey = "user:" + userId;

        var now = time.GetUtcNow();
        var readNumber = ReadAsync(table, numberKey, cancellationToken);
        var readUser = ReadAsync(table, userKey, cancellationToken);
        var number = await readNumber;
        var user = await readUser;
        var wait = Max(SmsSendPolicy.NumberWait(number.Sends, now, limits), SmsSendPolicy.UserWait(user.Sends, now, limits));
        if (wait > TimeSpan.Zero)
        {
            return Refuse(wait);
        }

        var numberResult = await ReserveAsync(table, numberKey, number, s => SmsSendPolicy.NumberWait(s, time.GetUtcNow(), limits), TimeSpan.FromHours(1), cancellationToken);
        if (numberResult is not null)
        {
            return numberResult;
        }

        return await ReserveAsync(table, userKey, user, s => SmsSendPolicy.UserWait(s, time.GetUtcNow(), limits), TimeSpan.FromDays(1), cancellationToken);
    }

    private async Task<MfaError?> ReserveAsync(
        TableClient table, string partition, SendLog log, Func<IReadOnlyList<DateTimeOffset>, TimeSpan> waitFor, TimeSpan window, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxConflictRetries; attempt++)
        {
            var wait = waitFor(log.Sends);
            if (wait > TimeSpan.Zero)
            {
                return Refuse(wait);
            }

            var entity = new TableEntity(partition, RowKey) { ["Sends"] = Format(SmsSendPolicy.Record(log.Sends, time.GetUtcNow(), window)) };
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
            }
        }

        // Sustained contention on one number or user is itself a sign of abuse.
        return Refuse(options.Value.MinInterval);
    }

    private static async Task<SendLog> ReadAsync(TableClient table, string partition, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(partition, RowKey, cancellationToken: cancellationToken);
        if (!response.HasValue)
        {
            return new SendLog([], null);
        }

        var entity = response.Value!;
        return new SendLog(Parse(entity.GetString("Sends")), entity.ETag);
    }

    private static IReadOnlyList<DateTimeOffset> Parse(string? value) =>
        string.IsNullOrEmpty(value)
            ? []
            : [.. value.Split(',').Select(s => DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(s, CultureInfo.InvariantCulture)))];

    private static string Format(IEnumerable<DateTimeOffset> sends) =>
        string.Join(',', sends.Select(s => s.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));

    private static MfaError Refuse(TimeSpan wait) => MfaErrors.SmsTooManyRequests((int)Math.Ceiling(wait.TotalSeconds));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private sealed record SendLog(IReadOnlyList<DateTimeOffset> Sends, ETag? ETag);
}
