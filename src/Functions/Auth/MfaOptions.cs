using System.ComponentModel.DataAnnotations;

namespace FunctionsMfa.Functions.Auth;

/// <summary>The <c>Mfa</c> section: who may call the backend routes, the browser origins, and the product's name.</summary>
internal sealed class MfaOptions
{
    public const string Section = "Mfa";

    /// <summary>The name shown in authenticator apps and SMS texts, and the session tokens' <c>iss</c>.</summary>
    [Required]
    public string Issuer { get; set; } = "FunctionsMfa";

    /// <summary>Backend secret keys (<c>Authorization: Bearer sk_…</c>). Several may be live during a rotation.</summary>
    public List<string> SecretKeys { get; set; } = [];

    public CorsSettings Cors { get; set; } = new();
}

internal sealed class CorsSettings
{
    /// <summary>Browser origins allowed to call the client and <c>/v1/me</c> routes. Empty: none.</summary>
    public List<string> AllowedOrigins { get; set; } = [];
}
