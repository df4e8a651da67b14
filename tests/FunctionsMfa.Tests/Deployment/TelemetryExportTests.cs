using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;

namespace FunctionsMfa.Tests.Deployment;

/// <summary>
/// What the Azure Monitor exporter actually sends, captured by a local ingestion endpoint: the invocation spans
/// arrive, and nothing a request carried (Authorization, query string, body, route values) is in any of it.
/// </summary>
public sealed class TelemetryExportTests
{
    [Fact]
    public async Task Exported_telemetry_has_the_invocations_and_no_request_secrets()
    {
        await using var ingestion = await IngestionEndpoint.StartAsync();
        var userId = Wire.NewUserId();
        string secretKey;
        await using (var app = new ExportingAppFactory(ingestion.Url))
        {
            await app.InitializeAsync();
            secretKey = app.SecretKey;
            using var backend = app.BackendClient();
            using var created = await backend.PostAsync("/v1/sign_ins?marker=query-secret-value", JsonContent.Create(new { user_id = userId }));
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            using var stranger = app.ClientWithToken("sk_not_the_key_header_secret");
            using var refused = await stranger.GetAsync("/v1/sign_ins/sia_routevaluesecret?other=query-secret-value");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.True(app.Service<TracerProvider>().ForceFlush(30_000), "the trace exporter did not flush");
            Assert.True(app.Service<LoggerProvider>().ForceFlush(30_000), "the log exporter did not flush");
        }

        var sent = ingestion.Received;
        Assert.Contains("\"RequestData\"", sent, StringComparison.Ordinal);
        Assert.Contains("\"faas.name\":\"CreateSignIn\"", sent, StringComparison.Ordinal);
        Assert.Contains("\"faas.name\":\"GetSignIn\"", sent, StringComparison.Ordinal);
        Assert.Contains("\"mfa.outcome\":\"rejected\"", sent, StringComparison.Ordinal);
        // ASP.NET Core's request logs carry full URLs (query strings); only its warnings and errors are exported.
        Assert.DoesNotMatch("\"severityLevel\":\"(Verbose|Information)\"[^}]*\"CategoryName\":\"Microsoft\\.AspNetCore", sent);
        foreach (var secret in new[] { secretKey, "sk_not_the_key_header_secret", "query-secret-value", "marker", "sia_routevaluesecret", userId })
        {
            Assert.DoesNotContain(secret, sent, StringComparison.Ordinal);
        }
    }

    /// <summary>The app with the exporters on, aimed at the local endpoint (no process-wide environment variable).</summary>
    private sealed class ExportingAppFactory(string ingestionUrl) : MfaAppFactory
    {
        protected override void ConfigureTestServices(IServiceCollection services)
        {
            services.AddMfaTelemetry($"InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint={ingestionUrl}", authentication: null);
        }
    }

    /// <summary>A stand-in for Application Insights' ingestion: accepts every batch and keeps its (gunzipped) text.</summary>
    private sealed class IngestionEndpoint : IAsyncDisposable
    {
        private readonly ConcurrentQueue<string> batches = new();
        private WebApplication? app;

        public string Url { get; private set; } = string.Empty;

        public string Received => string.Join('\n', batches);

        public static async Task<IngestionEndpoint> StartAsync()
        {
            var endpoint = new IngestionEndpoint();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            endpoint.app = builder.Build();
            endpoint.app.MapPost("/{**path}", endpoint.AcceptAsync);
            await endpoint.app.StartAsync();
            var address = endpoint.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            endpoint.Url = address.TrimEnd('/') + "/";
            return endpoint;
        }

        private async Task AcceptAsync(HttpContext context)
        {
            Stream body = context.Request.Body;
            if (context.Request.Headers.ContentEncoding == "gzip")
            {
                body = new GZipStream(body, CompressionMode.Decompress);
            }

            using var reader = new StreamReader(body, Encoding.UTF8);
            var text = await reader.ReadToEndAsync();
            batches.Enqueue(text);
            var items = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($"{{\"itemsReceived\":{items},\"itemsAccepted\":{items},\"errors\":[]}}");
        }

        public async ValueTask DisposeAsync()
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }
    }
}
