using System.Security.Cryptography;
using FunctionsMfa.Functions.Crypto;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>
/// The bearer token a sign-in's SPA uses: 256 random bits, shown once at creation, stored only as a keyed hash.
/// </summary>
internal sealed class ClientTokens(KeyedHash hash)
{
    private const string Purpose = "client_token";

    public (string Token, byte[] Hash) Create()
    {
        var token = "ct_" + Ids.Base32(RandomNumberGenerator.GetBytes(32));
        return (token, hash.Compute(Purpose, token));
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
