using FunctionsMfa.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Tests.Foundation;

/// <summary>A key that cannot be read stops the app at start, not at its first request; the message names the setting, not the key.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("Mfa:Sessions:SigningKeys:0", "dev1:bm90IGEga2V5", "Mfa:Sessions:SigningKeys")]
    [InlineData("Mfa:Sessions:SigningKeys:0", "no-kid-separator", "Mfa:Sessions:SigningKeys")]
    [InlineData("Mfa:Encryption:Keys:0", "dev1:c2hvcnQ=", "Mfa:Encryption:Keys")]
    [InlineData("Mfa:Encryption:Keys:0", "dev1:!!not base64!!", "Mfa:Encryption:Keys")]
    [InlineData("Mfa:Encryption:HashKey", "c2hvcnQ=", "Mfa:Encryption:HashKey")]
    public async Task A_malformed_key_stops_the_app_from_starting(string setting, string value, string named)
    {
        await using var factory = new OneSettingAppFactory(setting, value);

        // The worker does not start: the host reports its failure instead of serving.
        var exception = await Assert.ThrowsAnyAsync<Exception>(factory.InitializeAsync);

        var validation = exception.GetBaseException() as OptionsValidationException;
        Assert.True(validation is not null && validation.Failures.Any(f => f.Contains(named, StringComparison.Ordinal)), exception.ToString());
        Assert.DoesNotContain(validation.Failures, f => f.Contains(value, StringComparison.Ordinal));
    }

    private sealed class OneSettingAppFactory(string setting, string value) : MfaAppFactory
    {
        protected override void ConfigureSettings(IDictionary<string, string?> values) => values[setting] = value;
    }
}
