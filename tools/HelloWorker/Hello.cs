using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsMfa.HelloWorker;

/// <summary>The smallest HTTP function: a route parameter and two verbs, answered with an <see cref="IResult"/>.</summary>
internal sealed class Hello
{
    [Function(nameof(Hello))]
    public static IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "hello/{name}")] HttpRequest request, string name) =>
        Results.Text($"Hello, {name}! ({request.Method})");
}
