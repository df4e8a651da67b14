using System.Text.Json;
using FunctionsMfa.Functions.Health;
using Microsoft.AspNetCore.Routing.Patterns;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>One function of the package: its folder name and the bindings of its <c>function.json</c>.</summary>
internal sealed record FunctionDefinition(string Name, string FunctionJson);

/// <summary>
/// Writes the function folders from the app's own endpoint table, so the routes the handler serves and the
/// functions the host exposes cannot drift apart. On a route with DELETE or PATCH, one function also takes POST (the
/// <c>_method</c> tunnel) unless a POST function already owns the route; either way the host forwards the request unchanged.
/// </summary>
internal static class FunctionManifest
{
    public static IReadOnlyList<FunctionDefinition> FromEndpoints(IEnumerable<EndpointDataSource> sources)
    {
        var endpoints = sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().ToList();
        var routes = endpoints
            .Where(e => e.Metadata.GetMetadata<QueueFunctionMetadata>() is null && e.Metadata.GetMetadata<NotAFunction>() is null)
            .Select(e => (Endpoint: e, Route: Route(e.RoutePattern), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []))
            .ToList();
        var postRoutes = routes.Where(r => r.Methods.Contains("POST")).Select(r => Shape(r.Endpoint.RoutePattern)).ToHashSet(StringComparer.Ordinal);

        // Two functions taking POST on one route would make the host's route match ambiguous, so on a route with several
        // tunnelled verbs (PATCH and DELETE) only the first function by name takes POST; the host forwards the request
        // unchanged either way and the handler routes it by its _method.
        var tunnelTakers = routes
            .Where(r => !postRoutes.Contains(Shape(r.Endpoint.RoutePattern)) && r.Methods.Any(m => m is "DELETE" or "PATCH" or "PUT"))
            .GroupBy(r => Shape(r.Endpoint.RoutePattern), StringComparer.Ordinal)
            .Select(g => g.Select(r => r.Endpoint).OrderBy(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName, StringComparer.Ordinal).First())
            .ToHashSet();

        var functions = new List<FunctionDefinition>();
        foreach (var (endpoint, route, methods) in routes)
        {
            var name = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName
                ?? throw new InvalidOperationException($"The endpoint for '{route}' has no name; give it .WithName(...).");
            var verbs = methods.Select(m => m.ToLowerInvariant()).ToList();
            if (tunnelTakers.Contains(endpoint))
            {
                verbs.Add("post");
            }

            functions.Add(new FunctionDefinition(name, HttpFunctionJson(route, verbs)));
        }

        foreach (var queue in endpoints.Select(e => e.Metadata.GetMetadata<QueueFunctionMetadata>()).OfType<QueueFunctionMetadata>())
        {
            functions.Add(new FunctionDefinition(queue.Name, QueueFunctionJson(queue)));
        }

        return [.. functions.OrderBy(f => f.Name, StringComparer.Ordinal)];
    }

    public static void Write(IReadOnlyList<FunctionDefinition> functions, string directory)
    {
        ArgumentNullException.ThrowIfNull(functions);
        foreach (var function in functions)
        {
            var folder = Path.Combine(directory, function.Name);
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "function.json"), function.FunctionJson);
        }
    }

    /// <summary>The host's route template: the ASP.NET pattern without its leading slash.</summary>
    internal static string Route(RoutePattern pattern) => (pattern.RawText ?? string.Empty).Trim('/');

    /// <summary>A route as the host matches it: literals and parameter positions, not parameter names.</summary>
    private static string Shape(RoutePattern pattern) => string.Join('/', pattern.PathSegments.Select(segment =>
        string.Concat(segment.Parts.Select(part => part is RoutePatternLiteralPart literal ? literal.Content.ToUpperInvariant() : "{}"))));

    private static string HttpFunctionJson(string route, IReadOnlyList<string> methods) => Json(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("type", "httpTrigger");
        writer.WriteString("direction", "in");
        writer.WriteString("name", "req");
        writer.WriteString("authLevel", "anonymous");
        writer.WriteStartArray("methods");
        foreach (var method in methods)
        {
            writer.WriteStringValue(method);
        }

        writer.WriteEndArray();
        writer.WriteString("route", route);
        writer.WriteEndObject();
        writer.WriteStartObject();
        writer.WriteString("type", "http");
        writer.WriteString("direction", "out");
        writer.WriteString("name", "res");
        writer.WriteEndObject();
    });

    private static string QueueFunctionJson(QueueFunctionMetadata queue) => Json(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("type", "queueTrigger");
        writer.WriteString("direction", "in");
        writer.WriteString("name", queue.BindingName);
        writer.WriteString("queueName", queue.QueueName);
        writer.WriteString("connection", "AzureWebJobsStorage");
        writer.WriteEndObject();
    });

    private static string Json(Action<Utf8JsonWriter> bindings)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("bindings");
            bindings(writer);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
