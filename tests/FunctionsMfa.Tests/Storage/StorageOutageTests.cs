using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Functions.Sms;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.Sms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace FunctionsMfa.Tests.Storage;

/// <summary>
/// Storage outages with a real Azurite of the test's own, stopped and started again under a running app: storage
/// routes answer 503 <c>storage_unavailable</c> with <c>Retry-After</c> within a few seconds, liveness stays 200 and
/// readiness says 503, nothing dies (process, queue drainer), and everything works again with no restart, including an
/// SMS queued before the outage.
/// </summary>
public sealed class StorageOutageTests(ITestOutputHelper output)
{
    /// <summary>"Within a few seconds": the bound each 503 must meet (measured figures go to the test output).</summary>
    private static readonly TimeSpan AnswerBound = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(30);

    private async Task<HttpResponseMessage> TimedAsync(string what, Func<Task<HttpResponseMessage>> send)
    {
        var watch = Stopwatch.StartNew();
        var response = await send();
        watch.Stop();
        output.WriteLine($"{what}: {(int)response.StatusCode} in {watch.ElapsedMilliseconds} ms");
        Assert.True(watch.Elapsed < AnswerBound, $"{what} took {watch.Elapsed}");
        return response;
    }

    private static async Task AssertUnavailableAsync(HttpResponseMessage response)
    {
        await response.ErrorAsync(503, "storage_unavailable");
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
    }

    private static async Task<TimeSpan> WaitUntilReadyAsync(HttpClient client)
    {
        var watch = Stopwatch.StartNew();
        while ((await client.GetAsync("/health/ready")).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(watch.Elapsed < RecoveryBound, "readiness did not come back");
            await Task.Delay(100);
        }

        return watch.Elapsed;
    }

    [Fact]
    public async Task Storage_stopped_under_a_running_app_answers_503_keeps_everything_alive_and_recovers_with_the_queued_sms()
    {
        await using var azurite = new RestartableAzurite();
        await azurite.StartAsync();
        var sms = new HeldSmsProvider();
        await using var app = new OutageAppFactory(azurite.ConnectionString, sms);
        await app.InitializeAsync();
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: 0));
        var number = TestNumbers.NewUs();
        var phoneId = (await client.AddAsync(number)).GetProperty("id").GetString()!;
        await client.PrepareAsync(phoneId);

        // The drainer holds the message (invisible for its visibility timeout) in the SMS provider when storage goes.
        await sms.FirstCall.Task.WaitAsync(RecoveryBound);
        await Task.Delay(RestartableAzurite.SaveInterval);
        var stopping = Stopwatch.StartNew();
        await azurite.StopAsync();
        output.WriteLine($"Azurite stopped in {stopping.ElapsedMilliseconds} ms");

        await AssertUnavailableAsync(await TimedAsync("GET /v1/me, storage stopped", () => client.GetAsync("/v1/me")));
        await AssertUnavailableAsync(await TimedAsync("POST /v1/sign_ins, storage stopped",
            () => app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = userId })));
        await AssertUnavailableAsync(await TimedAsync("GET /health/ready, storage stopped", () => app.CreateClient().GetAsync("/health/ready")));
        Assert.Equal(HttpStatusCode.OK, (await TimedAsync("GET /health, storage stopped", () => app.CreateClient().GetAsync("/health"))).StatusCode);

        // The provider fails this delivery; giving the message back to the queue fails too (storage is down), and the
        // drainer lives on, polling.
        sms.Release.SetResult();
        var drainer = app.HostServices.GetRequiredService<FunctionsMfa.LocalHost.QueueListener>();
        var watch = Stopwatch.StartNew();
        while (!app.HostLogs!.Lines.Any(l => l.Contains("storage failed, retrying", StringComparison.Ordinal)))
        {
            Assert.True(watch.Elapsed < RecoveryBound, "the queue listener never polled during the outage");
            await Task.Delay(100);
        }

        Assert.False(drainer.ExecuteTask!.IsCompleted, "the queue listener died");
        Assert.False(app.HostServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested, "the host is stopping");

        stopping.Restart();
        await azurite.StartAsync();
        output.WriteLine($"Azurite listening again in {stopping.ElapsedMilliseconds} ms");
        output.WriteLine($"ready again {(await WaitUntilReadyAsync(app.CreateClient())).TotalMilliseconds:F0} ms after Azurite listened");
        var me = await (await client.GetAsync("/v1/me")).JsonAsync();
        Assert.Equal(phoneId, me.GetProperty("phone_numbers")[0].GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.OK, (await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = userId })).StatusCode);

        // The message comes back after its visibility timeout and is delivered; its code verifies the number.
        watch.Restart();
        while (!sms.Sent.ContainsKey(number))
        {
            Assert.True(watch.Elapsed < RecoveryBound, "the SMS queued before the outage was not delivered");
            await Task.Delay(100);
        }

        output.WriteLine($"SMS delivered {watch.ElapsedMilliseconds} ms after readiness");
        var verified = await client.AttemptAsync(phoneId, sms.Sent[number]);
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        Assert.False(drainer.ExecuteTask.IsCompleted);
    }

    [Fact]
    public async Task The_host_and_worker_processes_started_while_storage_is_down_answer_503_stay_up_and_work_once_storage_starts()
    {
        await using var azurite = new RestartableAzurite();
        var work = Directory.CreateTempSubdirectory("mfa-outage-");
        var keys = LocalDevelopment.GenerateKeys().ToDictionary(k => k.Key, k => (string?)k.Value);
        var environment = new Dictionary<string, string?>(keys)
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Mfa__Sms__FilePath"] = Path.Combine(work.FullName, "sms.jsonl"),
        };
        try
        {
            await using var handler = await HostProcess.StartAsync(HostProcess.BuiltApp, environment, work.FullName);
            using var backend = handler.Client(keys["Mfa__SecretKeys__0"]);
            using var anonymous = handler.Client();
            var userId = Wire.NewUserId();

            await AssertUnavailableAsync(await TimedAsync("POST /v1/sign_ins, storage never started",
                () => backend.PostJsonAsync("/v1/sign_ins", new { user_id = userId })));
            await AssertUnavailableAsync(await TimedAsync("GET /health/ready, storage never started", () => anonymous.GetAsync("/health/ready")));

            // The host polls the sms-codes queue: its polls fail for a while, and neither process may exit over them.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.False(handler.HasExited, "the process exited:\n" + handler.Output);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);

            await azurite.StartAsync();
            output.WriteLine($"ready {(await WaitUntilReadyAsync(anonymous)).TotalMilliseconds:F0} ms after Azurite listened");
            var created = await backend.PostJsonAsync("/v1/sign_ins", new { user_id = userId });
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            Assert.Equal(userId, (await (await backend.GetAsync($"/v1/users/{userId}")).JsonAsync()).GetProperty("id").GetString());
            Assert.False(handler.HasExited);
            Assert.DoesNotContain("Unhandled exception", handler.Output, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}

/// <summary>The app on the test's own Azurite, draining its queue itself (as standalone mode does), with a held SMS provider.</summary>
internal sealed class OutageAppFactory : MfaAppFactory
{
    private readonly string connectionString;
    private readonly HeldSmsProvider sms;

    public OutageAppFactory(string connectionString, HeldSmsProvider sms)
    {
        this.connectionString = connectionString;
        this.sms = sms;
        // The host's queue trigger polls, and a message whose release failed during the outage is seen again after
        // 3 s instead of the Azure host's 10-minute lease.
        PollQueues = true;
        QueueLease = TimeSpan.FromSeconds(3);
        HostLogs = new CapturingLoggerProvider();
    }

    public CapturingLoggerProvider Logs { get; } = new();

    protected override void ConfigureSettings(IDictionary<string, string?> values)
    {
        values["AzureWebJobsStorage"] = connectionString;
    }

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.RemoveAll<ISmsProvider>();
        services.AddSingleton<ISmsProvider>(sms);
        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Logs);
    }
}

/// <summary>Holds the first SMS until released, then fails it (the outage caught it mid-delivery); sends every later one.</summary>
internal sealed class HeldSmsProvider : ISmsProvider
{
    public TaskCompletionSource FirstCall { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Delivered codes by destination.</summary>
    public ConcurrentDictionary<string, string> Sent { get; } = new(StringComparer.Ordinal);

    private int calls;

    public async Task<SmsSendResult> SendAsync(SmsRequest request, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref calls) == 1)
        {
            FirstCall.SetResult();
            await Release.Task.WaitAsync(cancellationToken);
            return SmsSendResult.Failure("held through the outage (test)");
        }

        Sent[request.To] = request.Code;
        return SmsSendResult.Success;
    }
}
