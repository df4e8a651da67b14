using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Security;

/// <summary>The failure budget and lockout.</summary>
internal static class SecuritySetup
{
    public static IServiceCollection AddSecurity(this IServiceCollection services)
    {
        services.AddOptions<LockoutOptions>().BindConfiguration(LockoutOptions.Section)
            .Validate(o => o.Duration > TimeSpan.Zero, "Mfa:Lockout:Duration must be positive.")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<LockoutOptions>, LockoutOptionsValidator>();
        services.AddSingleton<FailureBudgetStore>();

        services.AddJsonContext(SecurityJson.Default);
        return services;
    }
}

[OptionsValidator]
internal sealed partial class LockoutOptionsValidator : IValidateOptions<LockoutOptions>;
