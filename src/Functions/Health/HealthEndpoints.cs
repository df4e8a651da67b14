using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Functions.Wire;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FunctionsMfa.Functions.Health;

internal static class HealthEndpoints
{
    /// <summary>How long readiness waits for storage before it says "not ready".</summary>
    private static readonly TimeSpan ReadinessTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        // The Functions host polls "/" until the handler answers; it is not a function.
        app.MapGet("/", () => TypedResults.Ok(new HealthResponse("ok"))).ExcludeFromDescription().WithMetadata(NotAFunction.Instance);
        // Liveness: the process answers. It never touches storage, so an outage does not get a healthy process restarted.
        app.MapGet("/health", () => TypedResults.Ok(new HealthResponse("ok"))).WithName("Health").WithTags("Health");
        app.MapGet("/health/ready", ReadyAsync).WithName("HealthReady").WithTags("Health");
        return app;
    }

    /// <summary>
    /// Readiness: 200 when the tables and queues exist and storage answers now; otherwise 503
    /// <c>storage_unavailable</c> with <c>Retry-After</c> (the storage error reaches the envelope). Round trips: 1 table
    /// point read + 1 queue properties read, in parallel (+ the table and queue creation while it has not succeeded yet).
    /// </summary>
    internal static async Task<Results<Ok<HealthResponse>, ErrorResult>> ReadyAsync(MfaStorage storage, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ReadinessTimeout);
        try
        {
            await storage.CheckAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return MfaErrors.StorageUnavailable.Result();
        }

        return TypedResults.Ok(new HealthResponse("ok"));
    }
}

/// <summary>Marks an endpoint that the handler serves but that gets no <c>function.json</c>.</summary>
internal sealed class NotAFunction
{
    public static readonly NotAFunction Instance = new();
}
