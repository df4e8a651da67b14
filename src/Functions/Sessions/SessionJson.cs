using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsMfa.Functions.Sessions;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(JwkSet))]
internal sealed partial class SessionJson : JsonSerializerContext;
