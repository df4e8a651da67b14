using System.Diagnostics;
using FunctionsMfa.LocalHost.Rpc;

namespace FunctionsMfa.LocalHost;

/// <summary>One place where invocation requests are made, so every trigger sends what the worker requires.</summary>
internal static class Invocation
{
    /// <summary>
    /// A new invocation of a function with a fresh id. The trace context is required, not optional: the worker reads
    /// <c>TraceContext.TraceParent</c> without a null check (its <c>GrpcFunctionInvocation</c>) and fails the
    /// invocation with a NullReferenceException when it is missing.
    /// An HTTP request's own <c>traceparent</c> (<paramref name="caller"/>) is continued, as the Azure host continues
    /// the caller's trace; else the host's current activity; else a fresh trace.
    /// </summary>
    public static InvocationRequest Create(LoadedFunction function, Microsoft.AspNetCore.Http.HttpRequest? caller = null)
    {
        string? traceParent = null;
        var traceState = Activity.Current?.TraceStateString ?? "";
        if (caller is not null && ActivityContext.TryParse(caller.Headers.TraceParent.ToString(), caller.Headers.TraceState.ToString(), out var parent))
        {
            traceParent = $"00-{parent.TraceId.ToHexString()}-{parent.SpanId.ToHexString()}-{(parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? "01" : "00")}";
            traceState = parent.TraceState ?? "";
        }

        traceParent ??= Activity.Current?.Id
            ?? $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-00";
        return new InvocationRequest
        {
            InvocationId = Guid.NewGuid().ToString(),
            FunctionId = function.Id,
            TraceContext = new RpcTraceContext { TraceParent = traceParent, TraceState = traceState },
        };
    }
}
