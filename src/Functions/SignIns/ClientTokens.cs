using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>
/// The bearer token a sign-in's SPA uses: <c>ct_</c>, 256 random bits, <c>.</c> and the user's id (base64url), shown
/// once at creation, stored only as a keyed hash of the whole token. The user id is a hint, not a credential: it lets
/// the service read the user's partition while it reads the sign-in, and counts for nothing until the token's hash
/// matches the sign-in's (which it cannot when the hint was changed) and the sign-in's own user is that user.
/// </summary>
internal sealed class ClientTokens(KeyedHash hash)
{
    private const string Purpose = "client_token";

    public (string Token, byte[] Hash) Create(string userId)
    {
        var token = "ct_" + Ids.Base32(RandomNumberGenerator.GetBytes(32)) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(userId));
        return (token, hash.Compute(Purpose, token));
    }

    /// <summary>The user id a token names, unverified; null when it names none that could be one.</summary>
    public static string? UserOf(string? token)
    {
        var dot = token?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (dot < 0 || !token!.StartsWith("ct_", StringComparison.Ordinal) || token.Length - dot > 200)
        {
            return null;
        }

        try
        {
            var userId = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.AsSpan(dot + 1)));
            return UserRows.IsValidUserId(userId) ? userId : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Constant time. An unknown sign-in is checked against a throwaway hash so it takes as long as a wrong token and
    /// the two answers cannot be told apart.
    /// </summary>
    public bool Verify(string? token, SignInRecord? signIn)
    {
        var ok = hash.Matches(Purpose, token ?? string.Empty, signIn?.ClientTokenHash ?? Unmatchable);
        return ok && signIn is not null && token is not null;
    }

    private static readonly byte[] Unmatchable = RandomNumberGenerator.GetBytes(32);
}
