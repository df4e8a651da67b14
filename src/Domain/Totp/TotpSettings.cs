namespace FunctionsMfa.Domain.Totp;

/// <summary>
/// The RFC 6238 parameters. The defaults are what every authenticator app understands (SHA1, 6 digits, 30 s) and
/// the contract's drift allowance: one step either side of now.
/// </summary>
public sealed record TotpSettings
{
    public int Digits { get; init; } = 6;

    public int PeriodSeconds { get; init; } = 30;

    /// <summary>How many steps before and after the current one are still accepted.</summary>
    public int Window { get; init; } = 1;

    /// <summary>Secret length: 20 bytes = 160 bits, RFC 4226's recommendation and SHA1's block-friendly size.</summary>
    public int SecretBytes { get; init; } = 20;

    /// <summary>Throws when a value is outside what the algorithm and authenticator apps support.</summary>
    public TotpSettings Validated()
    {
        if (Digits is < 6 or > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(Digits), Digits, "TOTP digits must be 6 to 8.");
        }

        if (PeriodSeconds is < 15 or > 300)
        {
            throw new ArgumentOutOfRangeException(nameof(PeriodSeconds), PeriodSeconds, "The TOTP period must be 15 to 300 seconds.");
        }

        if (Window is < 0 or > 2)
        {
            throw new ArgumentOutOfRangeException(nameof(Window), Window, "The TOTP window must be 0 to 2 steps.");
        }

        if (SecretBytes is < 16 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(SecretBytes), SecretBytes, "A TOTP secret must be 16 to 64 bytes.");
        }

        return this;
    }
}
