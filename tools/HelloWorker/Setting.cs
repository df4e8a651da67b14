using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsMfa.HelloWorker;

/// <summary>
/// Tells the value of one <c>HELLO_</c> setting as the worker sees it, so a test can check which of
/// <c>local.settings.json</c> and the environment won. Other names are refused: the worker's environment holds secrets.
/// </summary>
internal sealed class Setting
{
    [Function(nameof(Setting))]
    public static IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "settings/{name}")] HttpRequest request, string name) =>
        name.StartsWith("HELLO_", StringComparison.Ordinal)
            ? Results.Text(Environment.GetEnvironmentVariable(name) ?? "(unset)")
            : Results.NotFound();
}
