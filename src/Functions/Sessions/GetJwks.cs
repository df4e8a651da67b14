namespace FunctionsMfa.Functions.Sessions;

/// <summary>The session tokens' public keys (JWKS), for backends that verify tokens themselves; cacheable for 5 minutes.</summary>
internal sealed class GetJwks(SessionTokens tokens)
{
    [Function(nameof(GetJwks))]
    public JsonHttpResult<JwkSet> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ".well-known/jwks.json")] HttpRequest request)
    {
        request.HttpContext.Response.Headers.CacheControl = "public, max-age=300";
        return TypedResults.Json(new JwkSet(tokens.PublicKeys()), SessionJson.Default.JwkSet);
    }
}
