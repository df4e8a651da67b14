using System.Diagnostics;
using System.Diagnostics.Metrics;
using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>The service's own telemetry: one span and one counted invocation per function call.</summary>
internal static class MfaTelemetry
{
    public const string SourceName = "FunctionsMfa";

    public static readonly ActivitySource Source = new(SourceName);

    public static readonly Meter Meter = new(SourceName);

    /// <summary>Function invocations by function name and outcome.</summary>
    public static readonly Counter<long> Invocations = Meter.CreateCounter<long>("mfa.function.invocations", description: "Function invocations by name and outcome.");

    /// <summary>Storage requests per invocation, by function name: each one's latency floor and cost.</summary>
    public static readonly Histogram<int> StorageRequests = Meter.CreateHistogram<int>(
        "mfa.storage.requests", unit: "{request}", description: "Storage requests made by one function invocation.");
}

internal static class TelemetrySetup
{
    /// <summary>Set by the platform (and by infra/main.bicep) when the app has Application Insights.</summary>
    public const string ConnectionStringVariable = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary><c>Authorization=AAD</c> (optionally <c>;ClientId=…</c>): ingest with the managed identity's token.</summary>
    public const string AuthenticationVariable = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>
    /// The invocation spans always (they cost nothing without a listener); the Azure Monitor exporters for traces,
    /// metrics and logs only when Application Insights is configured. The settings are read from the environment,
    /// where the platform puts app settings, because exporters must be chosen before configuration is built.
    /// </summary>
    public static IServiceCollection AddMfaTelemetry(this IServiceCollection services) => services.AddMfaTelemetry(
        Environment.GetEnvironmentVariable(ConnectionStringVariable), Environment.GetEnvironmentVariable(AuthenticationVariable));

    internal static IServiceCollection AddMfaTelemetry(this IServiceCollection services, string? connectionString, string? authentication)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return services;
        }

        var credential = Credential(authentication);
        void Configure(AzureMonitorExporterOptions options)
        {
            options.ConnectionString = connectionString;
            options.Credential = credential;
            // Every invocation: sign-ins are rare next to their value, and the default rate-limited sampler dropped
            // the first seconds' spans of a fresh instance (measured against a local ingestion endpoint).
            options.TracesPerSecond = null;
            options.SamplingRatio = 1.0F;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(MfaTelemetry.SourceName))
            // Only our spans: they carry what we chose to record and nothing else (no URLs, headers or bodies).
            .WithTracing(tracing => tracing.AddSource(MfaTelemetry.SourceName).AddAzureMonitorTraceExporter(Configure))
            .WithMetrics(metrics => metrics
                .AddMeter(MfaTelemetry.SourceName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                .AddAzureMonitorMetricExporter(Configure))
            .WithLogging(logging => logging.AddAzureMonitorLogExporter(Configure));
        // ASP.NET Core's request logs carry the full URL, query string included: not exported.
        services.AddLogging(logging => logging.AddFilter<OpenTelemetryLoggerProvider>("Microsoft.AspNetCore", LogLevel.Warning));
        return services;
    }

    /// <summary>A managed identity credential when the authentication string asks for Entra ID; else the connection string's key.</summary>
    internal static TokenCredential? Credential(string? authentication)
    {
        if (string.IsNullOrWhiteSpace(authentication))
        {
            return null;
        }

        var parts = authentication.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var mode) || !string.Equals(mode, "AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return parts.TryGetValue("ClientId", out var clientId) && !string.IsNullOrWhiteSpace(clientId)
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}
