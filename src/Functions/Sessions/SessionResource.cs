using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsMfa.Functions.Sessions;

/// <summary>Clerk's <c>session</c>, as far as this service knows it: who, and that it has ended.</summary>
internal sealed record SessionResource(string Id, string UserId, string Status)
{
    public string Object => "session";
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SessionResource))]
internal sealed partial class SessionEndpointJson : JsonSerializerContext;
