using System.ComponentModel.DataAnnotations;

namespace FunctionsMfa.Functions.Auth;

/// <summary>The <c>Mfa</c> section: who may call the backend routes and the product's name.</summary>
internal sealed class MfaOptions
{
    public const string Section = "Mfa";

    /// <summary>The name shown in authenticator apps and SMS texts, and the session tokens' <c>iss</c>.</summary>
    [Required]
    public string Issuer { get; set; } = "FunctionsMfa";

    /// <summary>Backend secret keys (<c>Authorization: Bearer sk_…</c>). Several may be live during a rotation.</summary>
    public List<string> SecretKeys { get; set; } = [];

}
