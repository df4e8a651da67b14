using System.Text.Json.Serialization;

namespace FunctionsMfa.Functions.Wire;

/// <summary>One rejection from the catalog (<see cref="MfaErrors"/>): a stable code, its HTTP status and its texts.</summary>
internal sealed record MfaError(string Code, int Status, string Message, string LongMessage)
{
    public ErrorMeta? Meta { get; init; }

    public MfaError WithParam(string paramName) => this with { Meta = (Meta ?? new ErrorMeta()) with { ParamName = paramName } };
}

/// <summary>The <c>meta</c> object of an error. Every member is optional and omitted when null.</summary>
internal sealed record ErrorMeta
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ParamName { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? AttemptsRemaining { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? LockoutExpiresInSeconds { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? RetryAfterSeconds { get; init; }
}

internal sealed record ErrorBody(string Code, string Message, string LongMessage, ErrorMeta Meta);

internal sealed record ErrorEnvelope(IReadOnlyList<ErrorBody> Errors, string TraceId);
