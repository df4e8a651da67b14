using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace FunctionsMfa.Functions.Wire;

/// <summary>
/// A request's flat parameters, read from a JSON object or an <c>application/x-www-form-urlencoded</c> body
/// (Clerk's clients send forms). Values are strings; JSON numbers and booleans keep their literal text, JSON null is null.
/// </summary>
internal sealed class RequestForm
{
    public const int MaxBodyBytes = 16 * 1024;

    private readonly Dictionary<string, string?> values;

    private RequestForm(Dictionary<string, string?> values) => this.values = values;

    public static RequestForm Empty { get; } = new(new Dictionary<string, string?>(StringComparer.Ordinal));

    public bool Has(string name) => values.ContainsKey(name);

    /// <summary>The value, or null when the parameter is absent or JSON null.</summary>
    public string? Get(string name) => values.TryGetValue(name, out var value) ? value : null;

    /// <summary>A required parameter: null with its value, or <c>form_param_missing</c> when it is absent, null or empty.</summary>
    public MfaError? Require(string name, out string value)
    {
        value = Get(name) ?? string.Empty;
        return value.Length == 0 ? MfaErrors.FormParamMissing(name) : null;
    }

    /// <summary>
    /// Reads the body. Rejects: more than 16 KiB, a content type other than JSON or form, malformed bodies, nested
    /// JSON values, repeated parameters and any parameter not in <paramref name="allowed"/>.
    /// </summary>
    public static async Task<(RequestForm? Form, MfaError? Error)> ReadAsync(HttpContext context, params string[] allowed)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (request.ContentLength is > MaxBodyBytes)
        {
            return (null, MfaErrors.RequestBodyTooLarge);
        }

        byte[] body;
        try
        {
            body = await ReadLimitedAsync(request.Body, context.RequestAborted);
        }
        catch (BadHttpRequestException bad)
        {
            // A server body limit, should one apply (the worker lifts its own: ErrorEnvelopeMiddleware), is "too large",
            // not "malformed": a chunked body has no length to check up front.
            return (null, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? MfaErrors.RequestBodyTooLarge : MfaErrors.RequestBodyInvalid);
        }

        if (body.Length > MaxBodyBytes)
        {
            return (null, MfaErrors.RequestBodyTooLarge);
        }

        Dictionary<string, string?>? parsed;
        if (body.Length == 0)
        {
            parsed = new Dictionary<string, string?>(StringComparer.Ordinal);
        }
        else
        {
            var mediaType = MediaType(request.ContentType);
            parsed = mediaType switch
            {
                "application/json" => ParseJson(body),
                "application/x-www-form-urlencoded" => ParseForm(body),
                _ => null,
            };
            if (parsed is null)
            {
                return (null, mediaType is "application/json" or "application/x-www-form-urlencoded"
                    ? MfaErrors.RequestBodyInvalid
                    : MfaErrors.UnsupportedMediaType);
            }
        }

        foreach (var key in parsed.Keys)
        {
            if (Array.IndexOf(allowed, key) < 0)
            {
                return (null, MfaErrors.FormParamUnknown(key.Length > 64 ? key[..64] : key));
            }
        }

        return (new RequestForm(parsed), null);
    }

    private static string? MediaType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return null;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var media = semicolon >= 0 ? contentType[..semicolon] : contentType;
        return media.Trim().ToLowerInvariant();
    }

    private static async Task<byte[]> ReadLimitedAsync(Stream body, CancellationToken cancellationToken)
    {
        // Read at most one byte past the limit: enough to know the body is too large, never more into memory.
        var buffer = ArrayPool<byte>.Shared.Rent(MaxBodyBytes + 1);
        try
        {
            var total = 0;
            while (total <= MaxBodyBytes)
            {
                var read = await body.ReadAsync(buffer.AsMemory(total, MaxBodyBytes + 1 - total), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return buffer.AsSpan(0, total).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Dictionary<string, string?>? ParseJson(byte[] body)
    {
        try
        {
            // RFC 8259 lets a parser ignore a leading UTF-8 BOM; Utf8JsonReader does not, JsonDocument does: be tolerant.
            var json = body.AsSpan().StartsWith(Utf8Bom) ? body.AsSpan(Utf8Bom.Length) : body;
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            var result = new Dictionary<string, string?>(StringComparer.Ordinal);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    return reader.Read() ? null : result;
                }

                var name = reader.GetString()!;
                reader.Read();
                string? value = reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
                    JsonTokenType.True => "true",
                    JsonTokenType.False => "false",
                    JsonTokenType.Null => null,
                    _ => NestedValueMarker,
                };
                if (ReferenceEquals(value, NestedValueMarker) || !result.TryAdd(name, value))
                {
                    return null;
                }
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static readonly string NestedValueMarker = new('\0', 1);

    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    private static Dictionary<string, string?>? ParseForm(byte[] body)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var pair in QueryHelpers.ParseQuery(text.StartsWith('?') ? text : "?" + text))
        {
            if (pair.Value.Count != 1)
            {
                return null;
            }

            result[pair.Key] = pair.Value[0];
        }

        return result;
    }
}

/// <summary>
/// Declares that a function takes a body of these flat parameters (none: an empty body or <c>{}</c>). The body is
/// read once, before the function runs (<see cref="Hosting.FormMiddleware"/>), with every rule of
/// <see cref="RequestForm.ReadAsync"/>; the OpenAPI document describes it from here.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class FormAttribute(params string[] parameters) : Attribute
{
    public IReadOnlyList<string> Parameters { get; } = parameters;

    /// <summary>The parameters a request must carry (documentation: the function checks them itself, with its own error).</summary>
    public string[] Required { get; init; } = [];

    /// <summary>The parameters whose value is <c>true</c> or <c>false</c>; the others are strings.</summary>
    public string[] Booleans { get; init; } = [];
}

internal static class RequestFormExtensions
{
    /// <summary>The body of a function declared <see cref="FormAttribute"/>, read by <see cref="Hosting.FormMiddleware"/>.</summary>
    public static RequestForm Form(this HttpRequest request) =>
        request.HttpContext.Features.Get<RequestForm>() ?? throw new InvalidOperationException("The function is not declared [Form(...)].");
}
