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
    /// </summary>
    public static InvocationRequest Create(LoadedFunction function)
    {
        var traceParent = Activity.Current?.Id
            ?? $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-00";
        return new InvocationRequest
        {
            InvocationId = Guid.NewGuid().ToString(),
            FunctionId = function.Id,
            TraceContext = new RpcTraceContext { TraceParent = traceParent, TraceState = Activity.Current?.TraceStateString ?? "" },
        };
    }
}
