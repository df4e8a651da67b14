using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Sessions;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Hosting;

// Source-generated validators: the data annotations are checked on start without reflection (Native AOT).
[OptionsValidator]
internal sealed partial class MfaOptionsValidator : IValidateOptions<MfaOptions>;

[OptionsValidator]
internal sealed partial class CryptoOptionsValidator : IValidateOptions<CryptoOptions>;

internal static class OptionsRegistration
{
    /// <summary>Binds each section and validates it when the app starts, so a missing key fails the start, not a request.</summary>
    public static IServiceCollection AddMfaOptions(this IServiceCollection services)
    {
        // Written out per type: the configuration-binding source generator (Native AOT) does not follow generic calls.
        services.AddOptions<MfaOptions>().BindConfiguration(MfaOptions.Section)
            .Validate(o => o.SecretKeys.Count > 0 && o.SecretKeys.TrueForAll(k => k.Length >= 16), "Mfa:SecretKeys needs at least one key of 16 or more characters.")
            // An unresolved Key Vault reference reaches the app as its literal text, which would then be a well-known key.
            .Validate(o => !o.SecretKeys.Exists(k => k.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase)), "Mfa:SecretKeys holds an unresolved Key Vault reference: check the app identity's Key Vault Secrets User role and the secret's name.")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<MfaOptions>, MfaOptionsValidator>();
        services.AddOptions<SessionTokenOptions>().BindConfiguration(SessionTokenOptions.Section)
            .Validate(o => o.SigningKeys.Count > 0, "Mfa:Sessions:SigningKeys needs at least one key.")
            .ValidateOnStart();
        services.AddOptions<CryptoOptions>().BindConfiguration(CryptoOptions.Section)
            .Validate(o => o.Keys.Count > 0, "Mfa:Encryption:Keys needs at least one key.")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<CryptoOptions>, CryptoOptionsValidator>();
        return services;
    }
}
