namespace FunctionsMfa.Functions.Storage;

internal static class StorageServiceCollectionExtensions
{
    /// <summary>The Functions host's storage setting; Azurite's well-known account when unset.</summary>
    public const string ConnectionSetting = StorageConnection.Setting;

    public static IServiceCollection AddMfaStorage(this IServiceCollection services)
    {
        // Read when first resolved, not now: test hosts and the Functions host may add settings after start-up code ran.
        // A connection string locally (Azurite); the managed identity in Azure (AzureWebJobsStorage__accountName).
        services.AddSingleton(sp => StorageConnection.FromConfiguration(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton(sp => sp.GetRequiredService<StorageConnection>().CreateTableServiceClient(sp.GetServices<StoragePolicy>()));
        services.AddSingleton(sp => sp.GetRequiredService<StorageConnection>().CreateQueueServiceClient(sp.GetServices<StoragePolicy>()));
        // Each try the SDK sends counts toward the invocation that made it (telemetry).
        services.AddSingleton(new StoragePolicy(new StorageRequestCounter(), Azure.Core.HttpPipelinePosition.PerRetry));
        services.AddSingleton<MfaStorage>();
        services.AddHostedService<StorageWarmup>();
        return services;
    }
}
