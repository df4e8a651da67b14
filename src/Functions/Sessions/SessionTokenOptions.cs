using System.ComponentModel.DataAnnotations;

namespace FunctionsMfa.Functions.Sessions;

/// <summary><c>Mfa:Sessions</c>: the keys that sign session tokens and how long a token lives.</summary>
internal sealed class SessionTokenOptions
{
    public const string Section = "Mfa:Sessions";

    /// <summary>
    /// P-256 private keys as <c>kid:base64(PKCS#8 DER)</c>, newest first. The first signs; all are published in the JWKS
    /// and accepted, so a new key is added first and an old one removed after the last token it signed expired.
    /// </summary>
    public List<string> SigningKeys { get; set; } = [];

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How fresh a second factor must be for step-up actions (<c>fva[1]</c>).</summary>
    public TimeSpan ReverificationWindow { get; set; } = TimeSpan.FromMinutes(10);
}
