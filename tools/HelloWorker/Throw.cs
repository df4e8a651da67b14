using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsMfa.HelloWorker;

/// <summary>An HTTP function that throws: the host answers 500, as the Azure host does for a failed invocation.</summary>
internal sealed class Throw
{
    [Function(nameof(Throw))]
    public static IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "throw")] HttpRequest request) =>
        throw new InvalidOperationException($"{nameof(Throw)} always throws ({request.Path}).");
}
