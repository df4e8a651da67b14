using System.Text;
using FunctionsMfa.Domain.Totp;
using OtpNet;

namespace FunctionsMfa.Tests.Totp;

/// <summary>The domain algorithm alone: RFC vectors, the window, replay by step, strict input and the enrolment URI.</summary>
public sealed class TotpAlgorithmTests
{
    private static readonly byte[] RfcSecret = Encoding.ASCII.GetBytes("12345678901234567890");

    private static readonly TotpAlgorithm Default = new(new TotpSettings());

    [Theory]
    [InlineData(59L, "94287082")]
    [InlineData(1111111109L, "07081804")]
    [InlineData(1111111111L, "14050471")]
    [InlineData(1234567890L, "89005924")]
    [InlineData(2000000000L, "69279037")]
    [InlineData(20000000000L, "65353130")]
    public void Rfc6238_appendix_b_sha1_vectors_are_computed_and_accepted(long unixSeconds, string expected)
    {
        var algorithm = new TotpAlgorithm(new TotpSettings { Digits = 8 });
        var at = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);
        var step = algorithm.StepAt(at);

        Assert.Equal(unixSeconds / 30, step);
        Assert.Equal(expected, algorithm.ComputeCode(RfcSecret, step));
        Assert.Equal(step, algorithm.FindStep(RfcSecret, expected, at, lastUsedStep: -1));
        Assert.Equal(expected, ExternalTools.OathTotp(Base32Encoding.ToString(RfcSecret), at, digits: 8));
    }

    [Fact]
    public void Codes_from_one_step_either_side_are_accepted_and_two_steps_are_refused()
    {
        var secret = Default.NewSecret();
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_015);
        var current = Default.StepAt(now);
        for (var offset = -3; offset <= 3; offset++)
        {
            var code = Default.ComputeCode(secret, current + offset);
            var found = Default.FindStep(secret, code, now, lastUsedStep: 0);
            Assert.Equal(Math.Abs(offset) <= 1 ? current + offset : null, found);
        }
    }

    [Fact]
    public void A_code_at_or_before_the_last_used_step_is_refused()
    {
        var secret = Default.NewSecret();
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_015);
        var current = Default.StepAt(now);
        var code = Default.ComputeCode(secret, current);

        Assert.Null(Default.FindStep(secret, code, now, lastUsedStep: current));
        Assert.Null(Default.FindStep(secret, code, now, lastUsedStep: current + 1));
        Assert.Equal(current, Default.FindStep(secret, code, now, lastUsedStep: current - 1));
        Assert.Null(Default.FindStep(secret, Default.ComputeCode(secret, current - 1), now, lastUsedStep: current - 1));
    }

    [Fact]
    public void The_window_is_configurable()
    {
        var strict = new TotpAlgorithm(new TotpSettings { Window = 0 });
        var secret = strict.NewSecret();
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_015);
        var current = strict.StepAt(now);
        Assert.Null(strict.FindStep(secret, strict.ComputeCode(secret, current - 1), now, 0));
        Assert.Equal(current, strict.FindStep(secret, strict.ComputeCode(secret, current), now, 0));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12345a")]
    [InlineData("abcdef")]
    [InlineData(" 123456")]
    [InlineData("123456 ")]
    [InlineData("123 456")]
    [InlineData("+12345")]
    [InlineData("-12345")]
    [InlineData("１２３４５６")]
    [InlineData("١٢٣٤٥٦")]
    [InlineData("12345\n")]
    public void Only_exactly_six_ascii_digits_are_well_formed(string? code)
    {
        Assert.False(Default.IsWellFormed(code));
        Assert.Null(Default.FindStep(Default.NewSecret(), code!, DateTimeOffset.UnixEpoch, 0));
    }

    [Fact]
    public void Secrets_are_160_bits_and_encoded_as_unpadded_upper_case_base32()
    {
        var secret = Default.NewSecret();
        Assert.Equal(20, secret.Length);
        var encoded = TotpAlgorithm.EncodeSecret(secret);
        Assert.Equal(32, encoded.Length);
        Assert.Matches("^[A-Z2-7]{32}$", encoded);
        Assert.Equal(secret, Base32Encoding.ToBytes(encoded));
        Assert.NotEqual(secret, Default.NewSecret());
    }

    [Fact]
    public void The_otpauth_uri_escapes_issuer_and_label()
    {
        var uri = Default.BuildUri("Acme & Co: Ltd", "user:1@example.com?x=1", "JBSWY3DPEHPK3PXP");
        Assert.Equal(
            "otpauth://totp/Acme%20%26%20Co%3A%20Ltd:user%3A1%40example.com%3Fx%3D1?secret=JBSWY3DPEHPK3PXP&issuer=Acme%20%26%20Co%3A%20Ltd&algorithm=SHA1&digits=6&period=30",
            uri);
    }

    [Theory]
    [InlineData(5, 30, 1)]
    [InlineData(9, 30, 1)]
    [InlineData(6, 0, 1)]
    [InlineData(6, 30, 3)]
    [InlineData(6, 30, -1)]
    public void Unsupported_settings_are_refused(int digits, int period, int window) =>
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new TotpAlgorithm(new TotpSettings { Digits = digits, PeriodSeconds = period, Window = window }));
}
