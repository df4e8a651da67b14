using FunctionsMfa.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Tests.Deployment;

/// <summary>
/// When the platform cannot resolve a Key Vault reference (a missing role or secret), the app setting keeps the
/// reference's literal text. For the backend secret key that text would be a key anyone can read in the template, so
/// the app must refuse to start instead.
/// </summary>
public sealed class KeyVaultReferenceTests
{
    [Fact]
    public async Task An_unresolved_key_vault_reference_as_secret_key_stops_the_app_from_starting()
    {
        await using var factory = new UnresolvedReferenceAppFactory();

        // The worker does not start: the host reports its failure instead of serving.
        var exception = await Assert.ThrowsAnyAsync<Exception>(factory.InitializeAsync);

        var validation = Assert.IsType<OptionsValidationException>(exception.GetBaseException());
        Assert.Contains(validation.Failures, f => f.Contains("Key Vault reference", StringComparison.Ordinal));
    }

    private sealed class UnresolvedReferenceAppFactory : MfaAppFactory
    {
        protected override void ConfigureSettings(IDictionary<string, string?> values) =>
            values["Mfa:SecretKeys:0"] = "@Microsoft.KeyVault(SecretUri=https://mfa-kv-abc.vault.azure.net/secrets/mfa-secret-key-0/)";
    }
}
