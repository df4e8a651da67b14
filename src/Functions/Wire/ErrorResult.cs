using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http.Metadata;

namespace FunctionsMfa.Functions.Wire;

/// <summary>Writes an <see cref="MfaError"/> in Clerk's envelope, with a <c>trace_id</c>.</summary>
internal sealed class ErrorResult(MfaError error) : IResult, IStatusCodeHttpResult
{
    public MfaError Error { get; } = error;

    public int? StatusCode => Error.Status;

    public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, Error);

    public static async Task WriteAsync(HttpContext context, MfaError error)
    {
        var response = context.Response;
        response.StatusCode = error.Status;
        response.Headers.CacheControl = "no-store";
        var retryAfter = error.Meta?.RetryAfterSeconds;
        if (retryAfter is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        var envelope = new ErrorEnvelope(
            [new ErrorBody(error.Code, error.Message, error.LongMessage, error.Meta ?? new ErrorMeta())],
            TraceId(context));
        await response.WriteAsJsonAsync(envelope, WireJson.Default.ErrorEnvelope, contentType: "application/json; charset=utf-8", context.RequestAborted);
    }

    public static string TraceId(HttpContext context) =>
        Activity.Current?.TraceId.ToHexString() ?? context.TraceIdentifier;
}

internal static class Errors
{
    /// <summary>The result for an expected rejection.</summary>
    public static ErrorResult Result(this MfaError error) => new(error);
}
