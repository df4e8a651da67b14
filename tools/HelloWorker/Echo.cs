using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsMfa.HelloWorker;

/// <summary>
/// Gives back what the host forwarded: method, the <c>q</c> query value, the <c>X-Hello</c> header and the body, so a
/// test sees that nothing was lost between the client, the host and the worker.
/// </summary>
internal sealed class Echo
{
    [Function(nameof(Echo))]
    public static async Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", Route = "echo")] HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        request.HttpContext.Response.Headers["X-Echo-Hello"] = request.Headers["X-Hello"];
        return Results.Text($"{request.Method}|{request.Query["q"]}|{request.Headers["X-Hello"]}|{body}");
    }
}
