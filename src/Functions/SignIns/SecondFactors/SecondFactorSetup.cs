namespace FunctionsMfa.Functions.SignIns.SecondFactors;

internal static class SecondFactorSetup
{
    /// <summary>
    /// The second-factor dispatch. Each factor's feature adds its strategy with
    /// <c>services.AddSingleton&lt;ISecondFactorStrategy, …&gt;()</c> in their own AddXxx.
    /// </summary>
    public static IServiceCollection AddSecondFactorSignIns(this IServiceCollection services)
    {
        services.AddSingleton<SecondFactorSignIns>();
        return services;
    }
}
