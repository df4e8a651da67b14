using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsMfa.Functions.Sessions;

internal static class JwksEndpoints
{
    public static IEndpointRouteBuilder MapJwks(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/jwks.json", (SessionTokens tokens, HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "public, max-age=300";
                return TypedResults.Json(new JwkSet(tokens.PublicKeys()), SessionJson.Default.JwkSet);
            })
            .WithName("GetJwks")
            .WithTags("Sessions");
        return app;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(JwkSet))]
internal sealed partial class SessionJson : JsonSerializerContext;
