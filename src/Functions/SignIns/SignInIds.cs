using FunctionsMfa.Functions.Crypto;

namespace FunctionsMfa.Functions.SignIns;

internal static class SignInIds
{
    /// <summary>Ids from a URL are checked before they reach storage as keys.</summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: > 4 and <= 64 } && id.StartsWith("sia_", StringComparison.Ordinal) && id.Skip(4).All(char.IsAsciiLetterOrDigit);
}
