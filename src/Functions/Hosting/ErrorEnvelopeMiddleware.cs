using FunctionsMfa.Functions.Storage;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>
/// Every answer of an HTTP function leaves in the error envelope when it is not a success: an oversized body, a bug,
/// storage that cannot be reached (503 <c>storage_unavailable</c> with <c>Retry-After</c>, not a 500: the request did
/// nothing wrong), a conflict that outlasted its retries. It also executes the function's result here, inside the
/// <c>try</c>, so that a failure while writing the answer is enveloped too, and the telemetry around it sees the status
/// that was sent. (The worker's own proxying middleware would execute it after every middleware has returned.)
/// </summary>
internal sealed partial class ErrorEnvelopeMiddleware(IHttpContextAccessor accessor, ILogger<ErrorEnvelopeMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http)
        {
            await next(context);
            return;
        }

        // The worker runs the function outside the request's own async flow, where IHttpContextAccessor (the way a
        // service sees the request, e.g. its Accept-Language) would find nothing: it is pointed at the request here.
        accessor.HttpContext = http;
        try
        {
            // A declared body larger than the limit is refused before any function reads it.
            if (http.Request.ContentLength is > RequestForm.MaxBodyBytes)
            {
                await ErrorResult.WriteAsync(http, MfaErrors.RequestBodyTooLarge);
                context.GetInvocationResult().Value = Results.Empty;
                return;
            }

            // A function reads at most one byte past RequestForm.MaxBodyBytes; Kestrel then drains what is left (for
            // at most its 5 s drain timeout) so that the host's connection survives. With a size limit it would abort
            // the connection instead, with unread bytes in flight: the host's forwarder then loses the answer already
            // sent (a 502) or, on its next request over that connection, the request itself (a 500). The host bounds
            // what it forwards.
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = null;
            }

            await next(context);
            if (context.GetInvocationResult().Value is IResult result)
            {
                await result.ExecuteAsync(http);
                context.GetInvocationResult().Value = Results.Empty;
            }
        }
        catch (Exception exception) when (!http.Response.HasStarted && !http.RequestAborted.IsCancellationRequested)
        {
            var failure = Unwrapped(exception);
            var error = failure switch
            {
                BadHttpRequestException bad => bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? MfaErrors.RequestBodyTooLarge : MfaErrors.RequestBodyInvalid,
                StorageContentionException => MfaErrors.ConcurrentRequestConflict,
                _ when StorageFailures.IsUnavailable(failure, http.RequestAborted) => MfaErrors.StorageUnavailable,
                _ => MfaErrors.InternalError,
            };
            if (error == MfaErrors.StorageUnavailable)
            {
                LogStorageUnavailable(logger, context.FunctionDefinition.Name, StorageFailures.Describe(failure));
            }
            else if (error == MfaErrors.InternalError)
            {
                // The type and the stack only: an exception message may quote what the request carried.
                LogFailed(logger, context.FunctionDefinition.Name, failure.GetType().FullName ?? "?", failure.StackTrace ?? "");
            }

            http.Response.Clear();
            await ErrorResult.WriteAsync(http, error);
            context.GetInvocationResult().Value = Results.Empty;
        }
    }

    /// <summary>
    /// The function's own exception: the worker's invoker hands a faulted function's exception on inside an
    /// <see cref="AggregateException"/> of one (so a contention would otherwise be answered 500). Azure.Core's own
    /// aggregate of retried tries has several and stays one.
    /// </summary>
    private static Exception Unwrapped(Exception exception)
    {
        while (exception is AggregateException { InnerExceptions: [var only] })
        {
            exception = only;
        }

        return exception;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage unavailable during {Function}: {Failure}; answered 503")]
    private static partial void LogStorageUnavailable(ILogger logger, string function, string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function} failed with {Exception}; answered 500\n{Stack}")]
    private static partial void LogFailed(ILogger logger, string function, string exception, string stack);
}
