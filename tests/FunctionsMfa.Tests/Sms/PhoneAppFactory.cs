using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Storage.Queues;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Functions.Sms;
using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using PhoneNumbers;

namespace FunctionsMfa.Tests.Sms;

/// <summary>
/// The tests that put codes on <c>sms-codes</c> share one queue in the shared Azurite, and each app has its own keys,
/// so they run one at a time (this collection) and each starts from an empty queue.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SmsQueueCollection
{
    public const string Name = "sms-codes queue";
}

/// <summary>The app with its one fake at the true edge: a recording SMS provider. Also captures every log line.</summary>
public class PhoneAppFactory : MfaAppFactory
{
    internal RecordingSmsProvider Sms { get; } = new();

    public CapturingLoggerProvider Logs { get; } = new();

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.RemoveAll<ISmsProvider>();
        services.AddSingleton<ISmsProvider>(Sms);
        services.AddSingleton<ILoggerProvider>(Logs);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace));
    }

    public QueueClient Queue(string name) =>
        new(StorageConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>The code of the last SMS sent to <paramref name="e164"/>, after draining the queue.</summary>
    public async Task<string> NextCodeAsync(string e164)
    {
        await DrainAsync();
        var sent = Sms.Sent.Where(s => s.To == e164).ToList();
        var read = codesRead.GetValueOrDefault(e164);
        Assert.True(sent.Count > read, $"No new SMS went to {e164}.");
        codesRead[e164] = sent.Count;
        return sent[^1].Code;
    }

    private readonly ConcurrentDictionary<string, int> codesRead = new(StringComparer.Ordinal);
}

/// <summary>Records each SMS; can be told to fail, to exercise retries and the poison queue.</summary>
internal sealed class RecordingSmsProvider : ISmsProvider
{
    private readonly ConcurrentQueue<SmsRequest> sent = new();

    public IReadOnlyList<SmsRequest> Sent => [.. sent];

    public bool Fail { get; set; }

    public int Calls;

    public Task<SmsSendResult> SendAsync(SmsRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        if (Fail)
        {
            return Task.FromResult(SmsSendResult.Failure("provider down (test)"));
        }

        sent.Enqueue(request);
        return Task.FromResult(SmsSendResult.Success);
    }
}

/// <summary>Every log line the app writes, formatted, with its exception.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> lines = new();

    public IReadOnlyList<string> Lines => [.. lines];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}");
        }
    }
}

/// <summary>Valid, unused numbers, so the per-number limits in the shared Azurite never collide between tests.</summary>
public static class TestNumbers
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>A new valid US number (E.164) in area code 201.</summary>
    public static string NewUs()
    {
        while (true)
        {
            var candidate = "+1201" + Random.Shared.Next(2, 10) + Random.Shared.Next(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
            var parsed = Util.Parse(candidate, null);
            if (Util.IsValidNumber(parsed) && Util.GetNumberType(parsed) is PhoneNumberType.FIXED_LINE_OR_MOBILE or PhoneNumberType.MOBILE)
            {
                return candidate;
            }
        }
    }

    public static string Example(string region, PhoneNumberType type) =>
        Util.Format(Util.GetExampleNumberForType(region, type), PhoneNumberFormat.E164);
}

public static class PhoneApi
{
    public static async Task<JsonElement> AddAsync(this HttpClient client, string number)
    {
        var response = await client.PostJsonAsync("/v1/me/phone_numbers", new { phone_number = number });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.JsonAsync();
    }

    public static async Task<JsonElement> PrepareAsync(this HttpClient client, string id)
    {
        var response = await client.PostAsync($"/v1/me/phone_numbers/{id}/prepare_verification", null);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.JsonAsync();
    }

    public static Task<HttpResponseMessage> AttemptAsync(this HttpClient client, string id, string code) =>
        client.PostJsonAsync($"/v1/me/phone_numbers/{id}/attempt_verification", new { code });

    /// <summary>Adds a number, sends a code and verifies it; returns the number's id.</summary>
    /// <summary>A user with a verified, reserved 2FA phone number, 31 s after its last SMS (so the next may be sent).</summary>
    public static async Task<(string UserId, string Number)> UserWithSecondFactorPhoneAsync(this PhoneAppFactory app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId, null));
        var number = TestNumbers.NewUs();
        var phoneId = await client.AddVerifiedAsync(app, number);
        var reserved = await client.PatchAsync($"/v1/me/phone_numbers/{phoneId}", Wire.Json(new { reserved_for_second_factor = true }));
        Assert.True(reserved.IsSuccessStatusCode, await reserved.Content.ReadAsStringAsync());
        app.Time.Advance(TimeSpan.FromSeconds(31));
        return (userId, number);
    }

    public static async Task<string> AddVerifiedAsync(this HttpClient client, PhoneAppFactory app, string number)
    {
        ArgumentNullException.ThrowIfNull(app);
        var id = (await client.AddAsync(number)).GetProperty("id").GetString()!;
        await client.PrepareAsync(id);
        var code = await app.NextCodeAsync(number);
        var verified = await client.AttemptAsync(id, code);
        Assert.True(verified.IsSuccessStatusCode, await verified.Content.ReadAsStringAsync());
        return id;
    }
}
