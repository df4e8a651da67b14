using System.Net;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsMfa.Tests.Storage;

/// <summary>The app with <see cref="StorageFaults"/> in every storage client, and a second policy that answers a chosen 4xx.</summary>
public sealed class StorageUnavailableAppFactory : MfaAppFactory
{
    public StorageFaults Faults { get; } = new();

    internal ClientErrorFault ClientError { get; } = new();

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.AddSingleton(new StoragePolicy(Faults, HttpPipelinePosition.PerCall));
        services.AddSingleton(new StoragePolicy(ClientError, HttpPipelinePosition.PerCall));
    }
}

/// <summary>Throws what storage says to a request that is wrong (a bug): a 4xx, with no retry.</summary>
internal sealed class ClientErrorFault : HttpPipelinePolicy
{
    public int? Status { get; set; }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Throw();
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Throw();
        return ProcessNextAsync(message, pipeline);
    }

    private void Throw()
    {
        if (Status is { } status)
        {
            throw new RequestFailedException(status, "Injected client error.");
        }
    }
}

/// <summary>An injected storage fault is a 503 envelope with <c>Retry-After</c>, never a 500; a storage 4xx stays a 500.</summary>
public sealed class StorageUnavailableTests(StorageUnavailableAppFactory app) : IClassFixture<StorageUnavailableAppFactory>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        // Start the app and let its tables exist before any fault is armed.
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/health/ready")).StatusCode);
    }

    public Task DisposeAsync()
    {
        app.Faults.Disarm();
        app.ClientError.Status = null;
        return Task.CompletedTask;
    }

    private static async Task AssertUnavailableAsync(HttpResponseMessage response, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{what}: {(int)response.StatusCode} {body}");
        await response.ErrorAsync(503, "storage_unavailable");
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        Assert.DoesNotContain("Injected", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_every_storage_request_failing_the_storage_routes_answer_503_and_liveness_200()
    {
        var userId = Wire.NewUserId();
        var session = app.ClientWithToken(app.SessionToken(userId));
        var backend = app.BackendClient();
        app.Faults.FailNth(1, andAfter: true);
        try
        {
            await AssertUnavailableAsync(await backend.PostJsonAsync("/v1/sign_ins", new { user_id = userId }), "POST /v1/sign_ins");
            await AssertUnavailableAsync(await backend.GetAsync($"/v1/users/{userId}"), "GET /v1/users/{id}");
            await AssertUnavailableAsync(await backend.GetAsync($"/v1/users/{userId}/events"), "GET /v1/users/{id}/events");
            await AssertUnavailableAsync(await session.GetAsync("/v1/me"), "GET /v1/me");
            await AssertUnavailableAsync(await session.PostAsync("/v1/me/totp", null), "POST /v1/me/totp");
            await AssertUnavailableAsync(await session.PostJsonAsync("/v1/me/phone_numbers", new { phone_number = FunctionsMfa.Tests.Sms.TestNumbers.NewUs() }), "POST /v1/me/phone_numbers");
            await AssertUnavailableAsync(await app.CreateClient().GetAsync("/health/ready"), "GET /health/ready");
            Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/health")).StatusCode);
        }
        finally
        {
            app.Faults.Disarm();
        }

        Assert.Equal(HttpStatusCode.OK, (await backend.PostJsonAsync("/v1/sign_ins", new { user_id = userId })).StatusCode);
    }

    [Fact]
    public async Task Failing_each_storage_request_of_a_sign_in_in_turn_gives_a_503_never_a_500()
    {
        var backend = app.BackendClient();
        app.Faults.Count();
        Assert.Equal(HttpStatusCode.OK, (await backend.PostJsonAsync("/v1/sign_ins", new { user_id = Wire.NewUserId(), user_label = "Ada" })).StatusCode);
        var requests = app.Faults.Requests;
        Assert.True(requests >= 2, $"{requests} storage requests");

        for (var n = 1; n <= requests; n++)
        {
            app.Faults.FailNth(n);
            var response = await backend.PostJsonAsync("/v1/sign_ins", new { user_id = Wire.NewUserId(), user_label = "Ada" });
            app.Faults.Disarm();
            await AssertUnavailableAsync(response, $"request {n} of {requests} failed");
        }
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(404)]
    public async Task A_storage_client_error_is_a_bug_and_stays_a_500(int status)
    {
        var session = app.ClientWithToken(app.SessionToken(Wire.NewUserId()));
        app.ClientError.Status = status;
        try
        {
            await (await session.GetAsync("/v1/me")).ErrorAsync(500, "internal_error");
        }
        finally
        {
            app.ClientError.Status = null;
        }
    }
}

/// <summary>Which exceptions mean "storage unavailable" (503) and which are bugs (500).</summary>
public sealed class StorageFailureClassificationTests
{
    public static TheoryData<string, Exception, bool> Cases() => new()
    {
        { "no response (status 0)", new RequestFailedException(0, "connection refused", new HttpRequestException("refused")), true },
        { "request timeout 408", new RequestFailedException(408, "timeout"), true },
        { "server busy 503", new RequestFailedException(503, "busy"), true },
        { "internal error 500", new RequestFailedException(500, "oops"), true },
        { "retries exhausted", new AggregateException(new RequestFailedException(0, "a"), new RequestFailedException(503, "b")), true },
        { "network timeout", new TaskCanceledException("timeout", new TimeoutException()), true },
        { "transport", new IOException("reset"), true },
        { "http transport", new HttpRequestException("refused"), true },
        { "bad request 400", new RequestFailedException(400, "bad"), false },
        { "not found 404", new RequestFailedException(404, "no table"), false },
        { "conflict 409", new RequestFailedException(409, "exists"), false },
        { "precondition 412", new RequestFailedException(412, "etag"), false },
        { "retries of a mix", new AggregateException(new RequestFailedException(503, "a"), new RequestFailedException(400, "b")), false },
        { "a bug", new InvalidOperationException("bug"), false },
        { "empty aggregate", new AggregateException(), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_storage_exception_is_classified(string what, Exception exception, bool unavailable)
    {
        Assert.True(StorageFailures.IsUnavailable(exception, CancellationToken.None) == unavailable, what);
    }

    [Fact]
    public void The_callers_own_cancellation_is_not_an_outage()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.False(StorageFailures.IsUnavailable(new TaskCanceledException(), cancelled.Token));
        Assert.True(StorageFailures.IsUnavailable(new TaskCanceledException(), CancellationToken.None));
    }
}
