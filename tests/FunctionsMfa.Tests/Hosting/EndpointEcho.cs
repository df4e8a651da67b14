using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsMfa.Tests.Hosting;

/// <summary>
/// Test-only middleware, first in the pipeline: every response says which endpoint routing chose for it, so a test can
/// tell "the route was found and its handler said 404" from "routing found nothing" (404) or "wrong verb" (405).
/// </summary>
internal sealed class EndpointEchoStartupFilter : IStartupFilter
{
    public const string Header = "X-Test-Endpoint";

    public const string NoEndpoint = "(none)";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers[Header] = Describe(context.GetEndpoint());
                return Task.CompletedTask;
            });
            return nextMiddleware(context);
        });
        next(app);
    };

    /// <summary>The endpoint's name (or queue function name); routing's own 405 endpoint by its display name.</summary>
    internal static string Describe(Endpoint? endpoint) =>
        endpoint?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName
        ?? endpoint?.Metadata.GetMetadata<QueueFunctionMetadata>()?.Name
        ?? (endpoint is null ? NoEndpoint : "display:" + endpoint.DisplayName);
}

/// <summary>The real app, plus a test queue function (so the manifest has one) and the endpoint echo.</summary>
public sealed class EndpointEchoAppFactory : MfaAppFactory
{
    public QueueScript Script { get; } = new();

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.AddSingleton<IStartupFilter, EndpointEchoStartupFilter>();
        services.AddSingleton(Script);
        services.AddQueueFunction<RecordingQueueFunction>();
    }
}
