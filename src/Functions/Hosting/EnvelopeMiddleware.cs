using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Functions.Wire;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>
/// Every answer the pipeline makes on its own (no route, wrong verb, oversized body, a bug) leaves in the error
/// envelope: never an empty body, an HTML page or a stack trace. Storage that cannot be reached is a 503
/// <c>storage_unavailable</c> with <c>Retry-After</c>, not a 500: the request did nothing wrong.
/// </summary>
internal static partial class EnvelopeMiddleware
{
    public static IApplicationBuilder UseErrorEnvelope(this IApplicationBuilder app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = context =>
            {
                var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                var error = exception switch
                {
                    BadHttpRequestException bad => bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? MfaErrors.RequestBodyTooLarge : MfaErrors.RequestBodyInvalid,
                    Storage.StorageContentionException => MfaErrors.ConcurrentRequestConflict,
                    _ => MfaErrors.InternalError,
                };
                return ErrorResult.WriteAsync(context, error);
            },
        });

        app.UseStatusCodePages(context =>
        {
            var http = context.HttpContext;
            var error = http.Response.StatusCode switch
            {
                404 => MfaErrors.ResourceNotFound,
                405 => MfaErrors.MethodNotAllowed,
                413 => MfaErrors.RequestBodyTooLarge,
                415 => MfaErrors.UnsupportedMediaType,
                401 => MfaErrors.AuthenticationInvalid,
                >= 400 and < 500 => MfaErrors.RequestBodyInvalid,
                _ => MfaErrors.InternalError,
            };
            return ErrorResult.WriteAsync(http, error);
        });

        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception exception) when (!context.Response.HasStarted && StorageFailures.IsUnavailable(exception, context.RequestAborted))
            {
                var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("FunctionsMfa.Storage");
                var endpoint = context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? "(unnamed)";
                LogStorageUnavailable(logger, endpoint, StorageFailures.Describe(exception));
                context.Response.Clear();
                await ErrorResult.WriteAsync(context, MfaErrors.StorageUnavailable);
            }
        });

        // A declared body larger than the limit is refused before any endpoint reads it.
        return app.Use((context, next) =>
        {
            if (context.Request.ContentLength is > RequestForm.MaxBodyBytes)
            {
                return ErrorResult.WriteAsync(context, MfaErrors.RequestBodyTooLarge);
            }

            var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (sizeFeature is { IsReadOnly: false })
            {
                sizeFeature.MaxRequestBodySize = 1024 * 1024;
            }

            return next(context);
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage unavailable during {Endpoint}: {Failure}; answered 503")]
    private static partial void LogStorageUnavailable(ILogger logger, string endpoint, string failure);
}
