using FunctionsMfa.Domain.Totp;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Totp;

/// <summary>The TOTP feature's services.</summary>
internal static class TotpSetup
{
    public static IServiceCollection AddTotp(this IServiceCollection services)
    {
        services.AddOptions<TotpOptions>().BindConfiguration(TotpOptions.Section)
            .Validate(o => o.Digits is >= 6 and <= 8 && o.PeriodSeconds is >= 15 and <= 300 && o.Window is >= 0 and <= 2,
                "Mfa:Totp needs Digits 6-8, PeriodSeconds 15-300 and Window 0-2.")
            .ValidateOnStart();
        services.AddSingleton(sp => new TotpAlgorithm(sp.GetRequiredService<IOptions<TotpOptions>>().Value.ToSettings()));
        services.AddSingleton<TotpStore>();
        // The sign-in feature checks strategy "totp" codes with this service.
        services.AddSingleton<TotpVerifier>();
        services.AddSingleton<SignIns.SecondFactors.ISecondFactorStrategy, TotpSecondFactor>();
        // First in the chain: ahead of the reflection resolver the JIT build keeps, so tests exercise the generated code too.
        services.AddJsonContext(TotpJson.Default);
        return services;
    }
}
