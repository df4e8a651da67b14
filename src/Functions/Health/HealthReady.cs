using FunctionsMfa.Functions.Storage;

namespace FunctionsMfa.Functions.Health;

/// <summary>
/// Readiness: 200 when the tables and queues exist and storage answers now; otherwise 503
/// <c>storage_unavailable</c> with <c>Retry-After</c> (the storage error reaches the envelope). Round trips: 1 table
/// point read + 1 queue properties read, in parallel (+ the table and queue creation while it has not succeeded yet).
/// </summary>
internal sealed class HealthReady(MfaStorage storage)
{
    /// <summary>How long readiness waits for storage before it says "not ready".</summary>
    private static readonly TimeSpan ReadinessTimeout = TimeSpan.FromSeconds(5);

    [Function(nameof(HealthReady))]
    public async Task<Results<Ok<HealthResponse>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health/ready")] HttpRequest request, CancellationToken cancellationToken)
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
