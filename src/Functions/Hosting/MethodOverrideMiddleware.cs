namespace FunctionsMfa.Functions.Hosting;

/// <summary>
/// FAPI's verb tunnel: a <c>POST</c> with <c>?_method=DELETE|PATCH|PUT</c> is routed as that verb, so browser clients
/// that can only send simple requests reach every route.
/// </summary>
internal static class MethodOverrideMiddleware
{
    public static IApplicationBuilder UseMethodOverride(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var request = context.Request;
        if (HttpMethods.IsPost(request.Method) && request.Query.TryGetValue("_method", out var tunnelled) && tunnelled.Count == 1)
        {
            var verb = tunnelled[0]?.ToUpperInvariant();
            if (verb is "DELETE" or "PATCH" or "PUT")
            {
                request.Method = verb;
            }
        }

        return next(context);
    });
}
