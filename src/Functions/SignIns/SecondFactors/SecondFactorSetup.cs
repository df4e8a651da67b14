namespace FunctionsMfa.Functions.SignIns.SecondFactors;

internal static class SecondFactorSetup
{
    /// <summary>
    /// The second-factor dispatch and the strategies of this folder. Other features add theirs with
    /// <c>services.AddSingleton&lt;ISecondFactorStrategy, …&gt;()</c> in their own AddXxx.
    /// </summary>
    public static IServiceCollection AddSecondFactorSignIns(this IServiceCollection services)
    {
        services.AddSingleton<SignInTransitions>();
        services.AddSingleton<SecondFactorSignIns>();
        services.AddSingleton<ISecondFactorStrategy, BackupCodeSecondFactor>();
        services.AddSingleton<ISecondFactorStrategy, TotpSecondFactor>();
        return services;
    }
}
