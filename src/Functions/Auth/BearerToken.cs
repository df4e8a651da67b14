namespace FunctionsMfa.Functions.Auth;

internal static class BearerToken
{
    /// <summary>The token of an <c>Authorization: Bearer …</c> header, or null.</summary>
    public static string? From(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value[7..].Trim();
        return token.Length is > 0 and <= 4096 ? token : null;
    }
}
