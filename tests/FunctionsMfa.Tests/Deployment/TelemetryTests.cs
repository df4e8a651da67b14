using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsMfa.Tests.Deployment;

/// <summary>
/// The invocation spans, observed with an in-memory listener. Each request carries its own <c>traceparent</c>, so a
/// test sees its own spans only, whatever else runs at the same time.
/// </summary>
public sealed class TelemetryTests : IClassFixture<MfaAppFactory>, IDisposable
{
    private readonly MfaAppFactory app;
    private readonly ConcurrentQueue<Activity> stopped = new();
    private readonly ActivityListener listener;

    public TelemetryTests(MfaAppFactory app)
    {
        this.app = app;
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == MfaTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
    }

    public void Dispose() => listener.Dispose();

    [Fact]
    public async Task A_request_makes_one_span_named_after_its_function_with_status_and_outcome()
    {
        var trace = ActivityTraceId.CreateRandom();
        using var client = app.BackendClient();

        var caller = ActivitySpanId.CreateRandom();
        using var response = await Send(client, HttpMethod.Post, "/v1/sign_ins", trace, JsonContent.Create(new { user_id = Wire.NewUserId() }), caller);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var span = Assert.Single(SpansOf(trace));
        Assert.Equal("CreateSignIn", span.DisplayName);
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Equal(caller, span.ParentSpanId);
        Assert.Equal("CreateSignIn", span.GetTagItem("faas.name"));
        Assert.Equal("http", span.GetTagItem("faas.trigger"));
        Assert.Equal("POST", span.GetTagItem("http.request.method"));
        Assert.Equal("v1/sign_ins", span.GetTagItem("http.route"));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
        Assert.Equal("success", span.GetTagItem("mfa.outcome"));
        Assert.Equal(ActivityStatusCode.Ok, span.Status);
    }

    [Fact]
    public async Task A_span_records_neither_the_authorization_header_nor_the_query_string_nor_route_values()
    {
        var trace = ActivityTraceId.CreateRandom();
        const string signInId = "sia_telemetrytestunknownid";
        using var client = app.BackendClient();

        using var response = await Send(client, HttpMethod.Get, $"/v1/sign_ins/{signInId}?marker=query-value-secret", trace);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var span = Assert.Single(SpansOf(trace));
        Assert.Equal("GetSignIn", span.DisplayName);
        Assert.Equal("v1/sign_ins/{id}", span.GetTagItem("http.route"));
        Assert.Equal(404, span.GetTagItem("http.response.status_code"));
        Assert.Equal("rejected", span.GetTagItem("mfa.outcome"));
        var recorded = string.Join('\n', span.TagObjects.Select(t => $"{t.Key}={t.Value}").Append(span.DisplayName).Append(span.OperationName)
            .Concat(span.Baggage.Select(b => $"{b.Key}={b.Value}"))
            .Concat(span.Events.Select(e => e.Name)));
        Assert.DoesNotContain(app.SecretKey, recorded, StringComparison.Ordinal);
        Assert.DoesNotContain("query-value-secret", recorded, StringComparison.Ordinal);
        Assert.DoesNotContain("marker", recorded, StringComparison.Ordinal);
        Assert.DoesNotContain(signInId, recorded, StringComparison.Ordinal);
        Assert.DoesNotContain("Bearer", recorded, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_refused_credential_is_a_rejected_invocation_and_an_unknown_route_is_unmatched()
    {
        var refused = ActivityTraceId.CreateRandom();
        var unknown = ActivityTraceId.CreateRandom();
        using var client = app.ClientWithToken("sk_wrong_wrong_wrong_wrong");

        using var unauthorized = await Send(client, HttpMethod.Post, "/v1/sign_ins", refused, JsonContent.Create(new { user_id = "user_1" }));
        using var missing = await Send(client, HttpMethod.Get, "/v1/no_such_route", unknown);

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        var span = Assert.Single(SpansOf(refused));
        Assert.Equal("CreateSignIn", span.DisplayName);
        Assert.Equal(401, span.GetTagItem("http.response.status_code"));
        Assert.Equal("rejected", span.GetTagItem("mfa.outcome"));
        Assert.DoesNotContain(span.TagObjects, t => $"{t.Value}".Contains("sk_wrong", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(NoRoute.Name, Assert.Single(SpansOf(unknown)).DisplayName);
    }

    [Fact]
    public void Without_an_application_insights_connection_string_no_exporter_is_registered()
    {
        var services = new ServiceCollection().AddMfaTelemetry(connectionString: null, authentication: "Authorization=AAD");

        Assert.DoesNotContain(services, d => (d.ImplementationType ?? d.ServiceType).FullName!.StartsWith("OpenTelemetry", StringComparison.Ordinal));
    }

    [Fact]
    public void With_a_connection_string_traces_metrics_and_logs_are_exported()
    {
        var services = new ServiceCollection().AddLogging().AddMfaTelemetry(
            connectionString: "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/", authentication: null);

        Assert.Contains(services, d => d.ServiceType.FullName == "OpenTelemetry.Trace.TracerProvider");
        Assert.Contains(services, d => d.ServiceType.FullName == "OpenTelemetry.Metrics.MeterProvider");
        Assert.Contains(services, d => d.ServiceType.FullName?.StartsWith("OpenTelemetry.Logs.", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void Request_logs_with_urls_are_not_exported()
    {
        using var provider = new ServiceCollection().AddLogging().AddMfaTelemetry(
            connectionString: "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/", authentication: null)
            .BuildServiceProvider();

        var rules = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.Extensions.Logging.LoggerFilterOptions>>().Value.Rules;
        Assert.Contains(rules, r => r.ProviderName == typeof(OpenTelemetry.Logs.OpenTelemetryLoggerProvider).FullName
            && r.CategoryName == "Microsoft.AspNetCore" && r.LogLevel == Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("Authorization=AAD", true)]
    [InlineData("Authorization=AAD;ClientId=00000000-0000-0000-0000-000000000001", true)]
    [InlineData("Authorization=Key", false)]
    public void Entra_id_ingestion_uses_a_managed_identity_credential(string? authentication, bool managedIdentity)
    {
        var credential = TelemetrySetup.Credential(authentication);

        Assert.Equal(managedIdentity, credential is Azure.Identity.ManagedIdentityCredential);
    }

    private static async Task<HttpResponseMessage> Send(
        HttpClient client, HttpMethod method, string path, ActivityTraceId trace, HttpContent? content = null, ActivitySpanId caller = default)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        var parent = caller == default ? ActivitySpanId.CreateRandom() : caller;
        request.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{parent.ToHexString()}-01");
        return await client.SendAsync(request);
    }

    private List<Activity> SpansOf(ActivityTraceId trace) => [.. stopped.Where(a => a.TraceId == trace)];
}
