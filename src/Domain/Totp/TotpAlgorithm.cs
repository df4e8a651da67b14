using System.Security.Cryptography;
using System.Text;
using OtpNet;

namespace FunctionsMfa.Domain.Totp;

/// <summary>
/// RFC 6238 (HMAC-SHA1 over Otp.NET) with the contract's rules on top: strict input, a bounded window, constant-time
/// comparison and replay protection by time step. It holds no state; the caller stores the last accepted step.
/// </summary>
public sealed class TotpAlgorithm
{
    private readonly TotpSettings settings;

    public TotpAlgorithm(TotpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        this.settings = settings.Validated();
    }

    public TotpSettings Settings => settings;

    /// <summary>The RFC 6238 time step T = floor(unix seconds / period) at <paramref name="now"/>.</summary>
    public long StepAt(DateTimeOffset now) => Math.DivRem(now.ToUnixTimeSeconds(), settings.PeriodSeconds, out var rest) - (rest < 0 ? 1 : 0);

    /// <summary>The code for <paramref name="step"/>.</summary>
    public string ComputeCode(byte[] secret, long step)
    {
        var totp = new OtpNet.Totp(secret, settings.PeriodSeconds, OtpHashMode.Sha1, settings.Digits);
        return totp.ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * settings.PeriodSeconds).UtcDateTime);
    }

    /// <summary>
    /// Exactly <see cref="TotpSettings.Digits"/> ASCII digits: no spaces, signs, separators or non-ASCII digits
    /// (<see cref="char.IsDigit(char)"/> would admit full-width and Arabic-Indic ones).
    /// </summary>
    public bool IsWellFormed(string? code) =>
        code is not null && code.Length == settings.Digits && code.All(char.IsAsciiDigit);

    /// <summary>
    /// The time step whose code equals <paramref name="code"/>, among the window's steps that come after
    /// <paramref name="lastUsedStep"/>; null when none does (a wrong code, or a code already used: a replay).
    /// Every candidate is computed and compared in constant time, so timing says nothing about which step matched.
    /// When one code happens to match two steps, the later is returned: consuming it also burns the earlier one,
    /// so the same code cannot be accepted twice.
    /// </summary>
    public long? FindStep(byte[] secret, string code, DateTimeOffset now, long lastUsedStep)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (!IsWellFormed(code))
        {
            return null;
        }

        var given = Encoding.ASCII.GetBytes(code);
        var current = StepAt(now);
        long? matched = null;
        for (var step = current - settings.Window; step <= current + settings.Window; step++)
        {
            var expected = Encoding.ASCII.GetBytes(ComputeCode(secret, step));
            var equal = CryptographicOperations.FixedTimeEquals(expected, given);
            if (equal && step > lastUsedStep)
            {
                matched = step;
            }
        }

        return matched;
    }

    /// <summary>A fresh secret from the OS CSPRNG.</summary>
    public byte[] NewSecret() => RandomNumberGenerator.GetBytes(settings.SecretBytes);

    /// <summary>RFC 4648 base32 without padding, upper case: what authenticator apps and <c>oathtool -b</c> read.</summary>
    public static string EncodeSecret(byte[] secret) => Base32Encoding.ToString(secret).TrimEnd('=');

    /// <summary>
    /// The Key Uri Format link (<c>otpauth://totp/Issuer:label?secret=…&amp;issuer=…</c>) that enrols an authenticator
    /// app (a string, not a <see cref="Uri"/>, whose ToString would unescape it). Issuer and label are percent-escaped, so a colon or ampersand in either cannot change the link's structure.
    /// </summary>
    public string BuildUri(string issuer, string label, string base32Secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(issuer);
        ArgumentException.ThrowIfNullOrEmpty(label);
        ArgumentException.ThrowIfNullOrEmpty(base32Secret);
        var escapedIssuer = Uri.EscapeDataString(issuer);
        return $"otpauth://totp/{escapedIssuer}:{Uri.EscapeDataString(label)}?secret={base32Secret}&issuer={escapedIssuer}" +
            $"&algorithm=SHA1&digits={settings.Digits}&period={settings.PeriodSeconds}";
    }
}
