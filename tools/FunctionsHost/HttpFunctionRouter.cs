using Microsoft.AspNetCore.Routing.Constraints;
using Microsoft.AspNetCore.Routing.Template;

namespace FunctionsMfa.LocalHost;

/// <summary>
/// Routes as the Azure host does (its <c>WebScriptHostHttpRoutesManager</c>): one conventional <see cref="Route"/> per
/// HTTP function, the template being <c>routePrefix/route</c>, its verbs an <see cref="HttpMethodRouteConstraint"/>.
/// So a wrong verb does not match, and the request ends as 404, not 405. Routes are built once the worker has loaded
/// its functions; a request that comes earlier waits for that, and gets 503 if the worker failed to start.
/// </summary>
internal sealed class HttpFunctionRouter(WorkerChannel channel, HttpInvoker invoker, FunctionApp app, IInlineConstraintResolver constraints) : IRouter
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private IRouter? routes;

    public async Task RouteAsync(RouteContext context)
    {
        WorkerFunctions functions;
        try
        {
            functions = await channel.Ready.WaitAsync(StartTimeout, context.HttpContext.RequestAborted);
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            context.Handler = http =>
            {
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Task.CompletedTask;
            };
            return;
        }

        routes ??= Build(functions);
        await routes.RouteAsync(context);
    }

    public VirtualPathData? GetVirtualPath(VirtualPathContext context) => null;

    /// <summary>The full template of a function's route: the prefix, then the route, without outer slashes.</summary>
    public static string Template(string routePrefix, string route)
    {
        var prefix = routePrefix.Trim('/');
        var suffix = route.Trim('/');
        return prefix.Length == 0 ? suffix : $"{prefix}/{suffix}";
    }

    private RouteCollection Build(WorkerFunctions functions)
    {
        var collection = new RouteCollection();
        var http = functions.Functions
            .Where(f => f.Http is not null)
            .Select(f => (Function: f, Template: Template(app.Host.RoutePrefix, f.Http!.Route)))
            .OrderBy(f => RoutePrecedence.ComputeInbound(TemplateParser.Parse(f.Template)))
            .ThenBy(f => f.Template, StringComparer.Ordinal);
        foreach (var (function, template) in http)
        {
            var routeConstraints = new Dictionary<string, object>();
            if (function.Http!.Methods is { Count: > 0 } methods)
            {
                routeConstraints["httpMethod"] = new HttpMethodRouteConstraint([.. methods]);
            }

            var target = functions.HttpUri!;
            collection.Add(new Route(
                new RouteHandler(context => invoker.InvokeAsync(context, function, target)),
                function.Name,
                template,
                defaults: null,
                routeConstraints,
                dataTokens: null,
                constraints));
        }

        return collection;
    }
}
