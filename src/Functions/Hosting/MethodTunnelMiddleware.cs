using Microsoft.Azure.Functions.Worker.Middleware;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>
/// FAPI's verb tunnel: a <c>POST</c> with <c>?_method=DELETE|PATCH|PUT</c> is served as that verb, so browser clients
/// that send only simple requests reach every route. The host routes by template and verb before the worker sees the
/// request, and one template may hold a <c>POST</c> function and a <c>DELETE</c> one (<c>/v1/me/totp</c>), so only one
/// function per template takes the <c>POST</c>; this middleware finds the function that owns the tunnelled verb on
/// that template (<see cref="FunctionCatalog.Owner"/>), and <see cref="TunnelDispatchMiddleware"/> runs it.
/// A plain <c>POST</c> that reached a function only through its tunnel entry is a 405, as is a tunnelled verb
/// nothing on the route serves.
/// </summary>
internal sealed class MethodTunnelMiddleware : IFunctionsWorkerMiddleware
{
    public const string ServedByKey = "mfa.served-by";

    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http || FunctionCatalog.Find(context.FunctionDefinition.Name) is not { } function)
        {
            return next(context);
        }

        var request = http.Request;
        var method = request.Method.ToUpperInvariant();
        if (method == "POST" && request.Query.TryGetValue("_method", out var tunnelled))
        {
            method = tunnelled is [{ } verb] && verb.ToUpperInvariant() is "DELETE" or "PATCH" or "PUT" ? verb.ToUpperInvariant() : "";
        }

        var servedBy = method.Length == 0 ? null : function.OwnMethods.Contains(method) ? function : FunctionCatalog.Owner(function.Route, method);
        if (servedBy is null)
        {
            context.GetInvocationResult().Value = MfaErrors.MethodNotAllowed.Result();
            return Task.CompletedTask;
        }

        request.Method = method;
        context.Items[ServedByKey] = servedBy;
        return next(context);
    }

    /// <summary>The function that serves this invocation's request: the invoked one, or the owner of a tunnelled verb.</summary>
    public static HttpFunction? ServedBy(FunctionContext context) =>
        context.Items.TryGetValue(ServedByKey, out var function) ? function as HttpFunction : null;
}

/// <summary>
/// The last middleware: when the tunnel handed the request to another function of the same route, that function runs
/// instead of the invoked one, with the same request and the caller already checked for it.
/// </summary>
internal sealed class TunnelDispatchMiddleware : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (MethodTunnelMiddleware.ServedBy(context) is not { } servedBy || servedBy.Name == context.FunctionDefinition.Name)
        {
            await next(context);
            return;
        }

        context.GetInvocationResult().Value = await InvokeAsync(servedBy, context);
    }

    /// <summary>
    /// Calls an HTTP function's method the way the worker binds it here: the request, the context, route values by
    /// parameter name, the cancellation token. Small on purpose: the functions take nothing else.
    /// </summary>
    private static async Task<object?> InvokeAsync(HttpFunction function, FunctionContext context)
    {
        var http = context.GetHttpContext()!;
        var method = function.Method;
        var target = method.IsStatic ? null : ActivatorUtilities.CreateInstance(context.InstanceServices, method.DeclaringType!);
        var arguments = method.GetParameters().Select(object? (parameter) => parameter.ParameterType switch
        {
            var t when t == typeof(HttpRequest) => http.Request,
            var t when t == typeof(FunctionContext) => context,
            var t when t == typeof(CancellationToken) => context.CancellationToken,
            var t when t == typeof(string) => http.Request.RouteValues[parameter.Name!]?.ToString(),
            _ => throw new InvalidOperationException($"{function.Name}: a tunnelled function cannot bind '{parameter.Name}'."),
        }).ToArray();
        var task = (Task)method.Invoke(target, arguments)!;
        await task;
        return task.GetType().GetProperty(nameof(Task<object>.Result))?.GetValue(task);
    }
}
