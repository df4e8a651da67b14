using FunctionsMfa.Functions.Wire;
using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.SignIns.SecondFactors;
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

        // The second-factor sign-in spends this budget; its dispatch and strategies are registered with it.
        services.AddSecondFactorSignIns();
        services.AddJsonContext(SecurityJson.Default);
        return services;
    }
}

[OptionsValidator]
internal sealed partial class LockoutOptionsValidator : IValidateOptions<LockoutOptions>;
