using FunctionsMfa.Functions.Wire;

namespace FunctionsMfa.Functions.Health;

internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        // The Functions host polls "/" until the handler answers; it is not a function.
        app.MapGet("/", () => TypedResults.Ok(new HealthResponse("ok"))).ExcludeFromDescription().WithMetadata(NotAFunction.Instance);
        app.MapGet("/health", () => TypedResults.Ok(new HealthResponse("ok"))).WithName("Health").WithTags("Health");
        return app;
    }
}

/// <summary>Marks an endpoint that the handler serves but that gets no <c>function.json</c>.</summary>
internal sealed class NotAFunction
{
    public static readonly NotAFunction Instance = new();
}
