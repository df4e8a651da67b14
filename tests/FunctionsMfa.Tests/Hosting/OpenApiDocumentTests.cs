using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Hosting;

/// <summary>
/// <c>GET /openapi/v1.json</c> as a client generator reads it: OpenAPI 3.1, every function's route and own verbs, its
/// path parameters, its body (from its <c>[Form]</c>) in both content types, its 200 schema in the wire's snake_case
/// contract, the error envelope for everything else, and the credential it needs.
/// </summary>
public sealed partial class OpenApiDocumentTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    private async Task<JsonElement> DocumentAsync()
    {
        using var response = await app.CreateClient().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return await response.JsonAsync();
    }

    [Fact]
    public async Task Every_operation_has_its_parameters_body_answers_and_credential()
    {
        var document = await DocumentAsync();
        Assert.Equal("3.1.0", document.GetProperty("openapi").GetString());
        Assert.False(string.IsNullOrEmpty(document.GetProperty("info").GetProperty("title").GetString()));
        Assert.Equal("v1", document.GetProperty("info").GetProperty("version").GetString());
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        var operationIds = new HashSet<string>(StringComparer.Ordinal);

        foreach (var function in FunctionCatalog.Http.Where(f => f.Name != NoRoute.Name))
        {
            var item = document.GetProperty("paths").GetProperty("/" + function.Route);
            foreach (var verb in function.OwnMethods)
            {
                var operation = item.GetProperty(verb.ToLowerInvariant());
                var where = $"{verb} /{function.Route}";
                Assert.True(operationIds.Add(operation.GetProperty("operationId").GetString()!), $"{where}: operationId repeated");

                var declared = operation.TryGetProperty("parameters", out var parameters)
                    ? parameters.EnumerateArray().Select(p => (p.GetProperty("name").GetString()!, p.GetProperty("in").GetString()!, p.GetProperty("required").GetBoolean())).ToList()
                    : [];
                Assert.Equal(RouteParameter().Matches(function.Route).Select(m => (m.Groups[1].Value, "path", true)).ToList(), declared);

                if (function.Form is { } form)
                {
                    var content = operation.GetProperty("requestBody").GetProperty("content");
                    foreach (var mediaType in (string[])["application/json", "application/x-www-form-urlencoded"])
                    {
                        var schema = content.GetProperty(mediaType).GetProperty("schema");
                        Assert.Equal("object", schema.GetProperty("type").GetString());
                        Assert.False(schema.GetProperty("additionalProperties").GetBoolean(), $"{where}: unknown parameters are refused");
                        Assert.Equal(form.Parameters.Order(), schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order());
                    }
                }
                else
                {
                    Assert.False(operation.TryGetProperty("requestBody", out _), $"{where} takes no body");
                }

                var responses = operation.GetProperty("responses");
                Assert.Equal("#/components/schemas/ErrorEnvelope",
                    responses.GetProperty("default").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
                if (responses.TryGetProperty("200", out var ok))
                {
                    Assert.NotEqual(JsonValueKind.Undefined, ok.GetProperty("content").GetProperty("application/json").GetProperty("schema").ValueKind);
                }

                foreach (var requirement in operation.GetProperty("security").EnumerateArray())
                {
                    Assert.True(schemes.TryGetProperty(requirement.EnumerateObject().Single().Name, out _), $"{where}: unknown security scheme");
                }

                var expected = function.Caller switch
                {
                    Caller.Backend => "secretKey",
                    Caller.Session => "sessionToken",
                    Caller.Client => "clientToken",
                    _ => null,
                };
                Assert.Equal(expected, operation.GetProperty("security").EnumerateArray().Select(r => r.EnumerateObject().Single().Name).SingleOrDefault());
            }
        }
    }

    [Fact]
    public async Task Answer_schemas_are_the_wires_snake_case_contracts()
    {
        var paths = (await DocumentAsync()).GetProperty("paths");
        string[] Properties(string path, string verb) =>
            [.. paths.GetProperty(path).GetProperty(verb).GetProperty("responses").GetProperty("200").GetProperty("content")
                .GetProperty("application/json").GetProperty("schema").GetProperty("properties").EnumerateObject().Select(p => p.Name)];

        Assert.Contains("client_token", Properties("/v1/sign_ins", "post"));
        Assert.Contains("supported_second_factors", Properties("/v1/sign_ins", "post"));
        Assert.Contains("backup_codes_remaining", Properties("/v1/me", "get"));
        Assert.Contains("qr_code", Properties("/v1/me/totp", "post"));
        Assert.Contains("keys", Properties("/.well-known/jwks.json", "get"));
        var envelope = (await DocumentAsync()).GetProperty("components").GetProperty("schemas").GetProperty("ErrorEnvelope").GetProperty("properties");
        Assert.True(envelope.TryGetProperty("errors", out _) && envelope.TryGetProperty("trace_id", out _));
    }

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex RouteParameter();
}
