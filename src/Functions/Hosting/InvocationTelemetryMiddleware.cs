using System.Diagnostics;
using FunctionsMfa.Functions.Health;
using FunctionsMfa.Functions.Storage;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>Puts <see cref="InvocationTelemetry"/> first in the pipeline, so its span covers everything, errors included.</summary>
internal sealed class InvocationTelemetryStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(InvocationTelemetry.InvokeAsync);
        next(app);
    };
}

/// <summary>
/// One span per function invocation, named after the function (the endpoint's name, or the queue function's name),
/// with its trigger, route template, method, status, outcome and the storage requests it made. What a request carries is never recorded: no URL, no
/// query string, no header (Authorization included), no body, no route values. The caller's <c>traceparent</c>
/// (the Functions host's) is the parent; without one the span is a root.
/// </summary>
internal static class InvocationTelemetry
{
    public const string UnmatchedName = "Unmatched";

    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var parent = ParentContext(context.Request.Headers);
        if (parent == default)
        {
            // Without a caller's trace, ours is the root: ASP.NET Core's own request activity is never exported, so a
            // span under it would point at a parent nobody sees. (Only this async flow is affected.)
            Activity.Current = null;
        }

        using var activity = MfaTelemetry.Source.StartActivity("FunctionInvocation", ActivityKind.Server, parent);
        var storage = StorageRequestCounter.Begin();
        var failed = false;
        try
        {
            await next(context);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            Record(activity, context, failed, storage.Count);
        }
    }

    private static void Record(Activity? activity, HttpContext context, bool failed, int storageRequests)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<NotAFunction>() is not null)
        {
            // The host's readiness poll of "/" is not a function invocation.
            if (activity is not null)
            {
                activity.IsAllDataRequested = false;
                activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            }

            return;
        }

        var queue = endpoint?.Metadata.GetMetadata<QueueFunctionMetadata>();
        var name = queue?.Name ?? endpoint?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? UnmatchedName;
        var status = failed ? StatusCodes.Status500InternalServerError : context.Response.StatusCode;
        var outcome = Outcome(status);
        MfaTelemetry.Invocations.Add(1, new("faas.name", name), new("mfa.outcome", outcome));
        MfaTelemetry.StorageRequests.Record(storageRequests, new KeyValuePair<string, object?>("faas.name", name));

        if (activity is null || !activity.IsAllDataRequested)
        {
            return;
        }

        activity.DisplayName = name;
        activity.SetTag("faas.name", name);
        activity.SetTag("faas.trigger", queue is null ? "http" : "pubsub");
        if (queue is not null)
        {
            activity.SetTag("messaging.destination.name", queue.QueueName);
        }
        else
        {
            activity.SetTag("http.request.method", context.Request.Method);
            if (endpoint is RouteEndpoint route)
            {
                // The template ("v1/sign_ins/{id}"), never the values.
                activity.SetTag("http.route", FunctionManifest.Route(route.RoutePattern));
            }
        }

        activity.SetTag("http.response.status_code", status);
        activity.SetTag("mfa.outcome", outcome);
        activity.SetTag("mfa.storage.requests", storageRequests);
        activity.SetStatus(status >= 500 ? ActivityStatusCode.Error : ActivityStatusCode.Ok);
    }

    /// <summary><c>success</c> (2xx/3xx), <c>rejected</c> (4xx: the caller's mistake or a refused credential), <c>failure</c> (5xx).</summary>
    internal static string Outcome(int status) => status switch
    {
        >= 500 => "failure",
        >= 400 => "rejected",
        _ => "success",
    };

    private static ActivityContext ParentContext(IHeaderDictionary headers) =>
        ActivityContext.TryParse(headers.TraceParent.ToString(), headers.TraceState.ToString(), isRemote: true, out var parent) ? parent : default;
}
