using System.Diagnostics;
using FunctionsMfa.Functions.Storage;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>
/// One span per function invocation, named after the function, with its trigger, route template, method, status,
/// outcome and the storage requests it made. What a request carries is never recorded: no URL, no query string, no
/// header (Authorization included), no body, no route values. The host's trace context (sent with the invocation) is
/// the parent; without one the span is a root.
/// </summary>
internal sealed class InvocationTelemetryMiddleware : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var parent = ActivityContext.TryParse(context.TraceContext?.TraceParent, context.TraceContext?.TraceState, isRemote: true, out var traced) ? traced : default;
        if (parent == default)
        {
            // Without a caller's trace, ours is the root (only this async flow is affected).
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

    private static void Record(Activity? activity, FunctionContext context, bool failed, int storageRequests)
    {
        var http = context.GetHttpContext();
        var function = MethodTunnelMiddleware.ServedBy(context) ?? FunctionCatalog.Find(context.FunctionDefinition.Name);
        var name = function?.Name ?? context.FunctionDefinition.Name;
        var status = failed ? StatusCodes.Status500InternalServerError : http?.Response.StatusCode ?? StatusCodes.Status200OK;
        var outcome = Outcome(status);
        MfaTelemetry.Invocations.Add(1, new("faas.name", name), new("mfa.outcome", outcome));
        MfaTelemetry.StorageRequests.Record(storageRequests, new KeyValuePair<string, object?>("faas.name", name));

        if (activity is null || !activity.IsAllDataRequested)
        {
            return;
        }

        activity.DisplayName = name;
        activity.SetTag("faas.name", name);
        activity.SetTag("faas.trigger", http is null ? "pubsub" : "http");
        if (http is null)
        {
            if (context.FunctionDefinition.InputBindings.Values.FirstOrDefault(b => b.Type == "queueTrigger") is not null)
            {
                activity.SetTag("messaging.destination.name", Storage.MfaQueues.SmsCodes);
            }
        }
        else
        {
            activity.SetTag("http.request.method", http.Request.Method);
            if (function is not null)
            {
                // The template ("v1/sign_ins/{id}"), never the values.
                activity.SetTag("http.route", function.Route);
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
}
