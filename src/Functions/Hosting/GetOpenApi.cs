using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>The API's OpenAPI 3.1 document (<see cref="OpenApiDocument"/>), built once per process.</summary>
internal sealed class GetOpenApi(IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    private static JsonObject? document;

    [Function(nameof(GetOpenApi))]
    public ContentHttpResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi/v1.json")] HttpRequest request)
    {
        document ??= OpenApiDocument.Build(json.Value.SerializerOptions);
        request.HttpContext.Response.Headers.CacheControl = "public, max-age=300";
        return TypedResults.Text(document.ToJsonString(), "application/json; charset=utf-8");
    }
}
