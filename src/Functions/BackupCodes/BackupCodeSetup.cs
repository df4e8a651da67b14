namespace FunctionsMfa.Functions.BackupCodes;

/// <summary>The backup-code feature's services.</summary>
internal static class BackupCodeSetup
{
    public static IServiceCollection AddBackupCodes(this IServiceCollection services)
    {
        services.AddOptions<BackupCodeOptions>().BindConfiguration(BackupCodeOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<BackupCodeOptions>, BackupCodeOptionsValidator>();
        services.AddSingleton<BackupCodeStore>();
        services.AddSingleton<IBackupCodeIssuer>(sp => sp.GetRequiredService<BackupCodeStore>());
        services.AddSingleton<SignIns.SecondFactors.ISecondFactorStrategy, BackupCodeSecondFactor>();
        services.AddJsonContext(BackupCodeJson.Default);
        return services;
    }
}

[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class BackupCodeOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<BackupCodeOptions>;
