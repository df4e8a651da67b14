using FunctionsMfa.Domain.Totp;

namespace FunctionsMfa.Functions.Totp;

/// <summary><c>Mfa:Totp</c>: the RFC 6238 parameters. The defaults are the contract's; change them only with care, since
/// authenticator apps that ignore the URI's <c>digits</c>/<c>period</c> (several do) would then show wrong codes.</summary>
internal sealed class TotpOptions
{
    public const string Section = "Mfa:Totp";

    public int Digits { get; set; } = 6;

    public int PeriodSeconds { get; set; } = 30;

    /// <summary>Steps accepted on each side of the current one (clock drift, slow typing).</summary>
    public int Window { get; set; } = 1;

    public TotpSettings ToSettings() => new() { Digits = Digits, PeriodSeconds = PeriodSeconds, Window = Window };
}
