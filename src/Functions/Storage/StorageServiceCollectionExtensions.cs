using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace FunctionsMfa.Functions.Storage;

internal static class StorageServiceCollectionExtensions
{
    /// <summary>The Functions host's storage setting; Azurite's well-known account when unset.</summary>
    public const string ConnectionSetting = "AzureWebJobsStorage";

    public static IServiceCollection AddMfaStorage(this IServiceCollection services)
    {
        // Read when first resolved, not now: test hosts and the Functions host may add settings after start-up code ran.
        services.AddSingleton(sp => new TableServiceClient(ConnectionString(sp)));
        // The Functions queue trigger expects base64 messages.
        services.AddSingleton(sp => new QueueServiceClient(ConnectionString(sp), new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }));
        services.AddSingleton<MfaStorage>();
        services.AddHostedService<StorageWarmup>();
        return services;
    }

    private static string ConnectionString(IServiceProvider services)
    {
        var value = services.GetRequiredService<IConfiguration>()[ConnectionSetting];
        return string.IsNullOrWhiteSpace(value) ? "UseDevelopmentStorage=true" : value;
    }
}
