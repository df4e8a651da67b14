using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsMfa.Functions.Wire;

/// <summary>Source-generated serialization for the envelope and the shared wire types. Features keep their own contexts.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(string))]
internal sealed partial class WireJson : JsonSerializerContext;

internal sealed record HealthResponse(string Status);
