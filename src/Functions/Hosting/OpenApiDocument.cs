using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>
/// The OpenAPI 3.1 document, built from what the functions declare and nothing else: each function's route and verbs
/// (its <c>[HttpTrigger]</c>, via <see cref="FunctionCatalog"/>), its caller (<see cref="CalledByAttribute"/>), its
/// body (<see cref="FormAttribute"/>) and its answers (the <c>Results&lt;…&gt;</c> of its signature, as JSON Schema
/// from the same serializer contracts the wire uses).
/// </summary>
internal static class OpenApiDocument
{
    public static JsonObject Build(JsonSerializerOptions json)
    {
        var paths = new JsonObject();
        foreach (var function in FunctionCatalog.Http.Where(f => f.Name != NoRoute.Name))
        {
            var path = "/" + function.Route;
            if (paths[path] is not JsonObject item)
            {
                item = [];
                paths[path] = item;
            }

            foreach (var verb in function.OwnMethods)
            {
                item[verb.ToLowerInvariant()] = Operation(function, json);
            }
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "FunctionsMfa",
                ["version"] = "v1",
                ["description"] = "Second factors (TOTP, SMS codes, backup codes) for apps that already check a password. " +
                    "Bodies are JSON or application/x-www-form-urlencoded; a POST with ?_method=DELETE|PATCH tunnels the verb.",
            },
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject
                {
                    ["secretKey"] = Bearer("The app's backend: a secret key from Mfa:SecretKeys."),
                    ["clientToken"] = Bearer("The SPA during one sign-in: the sign-in's client token."),
                    ["sessionToken"] = Bearer("The signed-in user: an ES256 session token of a live session (JWKS at /.well-known/jwks.json)."),
                },
                ["schemas"] = new JsonObject { ["ErrorEnvelope"] = Schema(typeof(ErrorEnvelope), json) },
            },
        };
    }

    private static JsonObject Operation(HttpFunction function, JsonSerializerOptions json)
    {
        var operation = new JsonObject
        {
            ["operationId"] = function.Name,
            ["tags"] = new JsonArray(function.Method.DeclaringType!.Namespace!.Split('.')[^1]),
        };
        var parameters = new JsonArray();
        foreach (var name in RouteParameters(function.Route))
        {
            parameters.Add(new JsonObject { ["name"] = name, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        if (parameters.Count > 0)
        {
            operation["parameters"] = parameters;
        }

        operation["security"] = function.Caller switch
        {
            Caller.Backend => new JsonArray(new JsonObject { ["secretKey"] = new JsonArray() }),
            Caller.Session => new JsonArray(new JsonObject { ["sessionToken"] = new JsonArray() }),
            Caller.Client => new JsonArray(new JsonObject { ["clientToken"] = new JsonArray() }),
            _ => new JsonArray(),
        };

        if (function.Form is { } form)
        {
            var schema = new JsonObject
            {
                ["type"] = "object",
                ["additionalProperties"] = false,
                ["properties"] = new JsonObject(form.Parameters.Select(p => KeyValuePair.Create<string, JsonNode?>(p,
                    new JsonObject { ["type"] = form.Booleans.Contains(p) ? "boolean" : "string" }))),
            };
            if (form.Required.Length > 0)
            {
                schema["required"] = new JsonArray([.. form.Required.Select(r => (JsonNode)r)]);
            }

            operation["requestBody"] = new JsonObject
            {
                ["required"] = form.Required.Length > 0,
                ["content"] = new JsonObject
                {
                    ["application/json"] = new JsonObject { ["schema"] = schema },
                    ["application/x-www-form-urlencoded"] = new JsonObject { ["schema"] = schema.DeepClone() },
                },
            };
        }

        var responses = new JsonObject();
        foreach (var (status, type) in Answers(function.Method.ReturnType))
        {
            responses[status] = new JsonObject
            {
                ["description"] = status == "200" ? "OK" : "An error, in the envelope",
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = type is null ? Reference() : Schema(type, json) } },
            };
        }

        operation["responses"] = responses;
        return operation;
    }

    /// <summary>The answers a function's signature declares: 200 with each <c>Ok&lt;T&gt;</c>'s type; errors as the envelope.</summary>
    private static IEnumerable<(string Status, Type? Body)> Answers(Type returnType)
    {
        var type = returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>) ? returnType.GetGenericArguments()[0] : returnType;
        var members = type.IsGenericType && type.Name.StartsWith("Results`", StringComparison.Ordinal) ? type.GetGenericArguments() : [type];
        var ok = members.FirstOrDefault(m => m.IsGenericType && (m.GetGenericTypeDefinition() == typeof(Ok<>) || m.GetGenericTypeDefinition() == typeof(JsonHttpResult<>)));
        if (ok is not null)
        {
            yield return ("200", ok.GetGenericArguments()[0]);
        }

        yield return ("default", null);
    }

    private static IEnumerable<string> RouteParameters(string route) =>
        route.Split('/').Where(s => s.StartsWith('{') && s.EndsWith('}')).Select(s => s.Trim('{', '}', '*').Split(':')[0]);

    private static JsonNode Schema(Type type, JsonSerializerOptions json) =>
        json.GetJsonSchemaAsNode(type, new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true });

    private static JsonObject Reference() => new() { ["$ref"] = "#/components/schemas/ErrorEnvelope" };

    private static JsonObject Bearer(string description) => new() { ["type"] = "http", ["scheme"] = "bearer", ["description"] = description };
}
