namespace FunctionsMfa.Functions.BackupCodes;

/// <summary>The backup-code feature's services and routes (under <c>/v1/me</c>).</summary>
internal static class BackupCodeSetup
{
    public static IServiceCollection AddBackupCodes(this IServiceCollection services) => services;

    public static RouteGroupBuilder MapBackupCodes(this RouteGroupBuilder me) => me;
}
