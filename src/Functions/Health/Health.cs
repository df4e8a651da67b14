namespace FunctionsMfa.Functions.Health;

/// <summary>
/// Liveness: the process answers. It never touches storage, so an outage does not get a healthy process restarted
/// (readiness is <see cref="HealthReady"/>).
/// </summary>
internal sealed class Health
{
    [Function(nameof(Health))]
    public static Ok<HealthResponse> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) =>
        TypedResults.Ok(new HealthResponse("ok"));
}
