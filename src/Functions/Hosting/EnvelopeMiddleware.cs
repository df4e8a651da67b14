using FunctionsMfa.Functions.Wire;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>
/// Every answer the pipeline makes on its own (no route, wrong verb, oversized body, a bug) leaves in the error
/// envelope: never an empty body, an HTML page or a stack trace.
/// </summary>
internal static class EnvelopeMiddleware
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
}
