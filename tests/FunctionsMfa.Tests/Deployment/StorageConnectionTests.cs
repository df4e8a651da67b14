using Azure.Identity;
using FunctionsMfa.Functions.Storage;
using Microsoft.Extensions.Configuration;

namespace FunctionsMfa.Tests.Deployment;

/// <summary>Which storage endpoints and credential the handler picks from the host's settings. No network is used.</summary>
public sealed class StorageConnectionTests
{
    private static StorageConnection From(params (string Key, string Value)[] settings) =>
        StorageConnection.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Fact]
    public void Account_name_alone_uses_the_public_endpoints_and_the_default_credential()
    {
        var connection = From(("AzureWebJobsStorage:accountName", "mfaprodst"));

        Assert.Equal(StorageCredentialKind.Default, connection.Kind);
        Assert.Null(connection.ConnectionString);
        Assert.Equal(new Uri("https://mfaprodst.table.core.windows.net/"), connection.TableServiceUri);
        Assert.Equal(new Uri("https://mfaprodst.queue.core.windows.net/"), connection.QueueServiceUri);
        Assert.IsType<DefaultAzureCredential>(connection.CreateCredential());
    }

    [Fact]
    public void Managed_identity_credential_setting_uses_the_system_assigned_identity()
    {
        var connection = From(("AzureWebJobsStorage:accountName", "mfaprodst"), ("AzureWebJobsStorage:credential", "managedidentity"));

        Assert.Equal(StorageCredentialKind.ManagedIdentity, connection.Kind);
        Assert.Null(connection.ManagedIdentityClientId);
        Assert.IsType<ManagedIdentityCredential>(connection.CreateCredential());
    }

    [Fact]
    public void Client_id_selects_a_user_assigned_managed_identity()
    {
        var connection = From(
            ("AzureWebJobsStorage:accountName", "mfaprodst"),
            ("AzureWebJobsStorage:credential", "managedidentity"),
            ("AzureWebJobsStorage:clientId", "00000000-0000-0000-0000-000000000001"));

        Assert.Equal(StorageCredentialKind.ManagedIdentity, connection.Kind);
        Assert.Equal("00000000-0000-0000-0000-000000000001", connection.ManagedIdentityClientId);
        Assert.IsType<ManagedIdentityCredential>(connection.CreateCredential());
    }

    [Fact]
    public void Explicit_service_uris_override_the_public_endpoints()
    {
        var connection = From(
            ("AzureWebJobsStorage:accountName", "mfaprodst"),
            ("AzureWebJobsStorage:tableServiceUri", "https://mfaprodst.table.core.usgovcloudapi.net"),
            ("AzureWebJobsStorage:queueServiceUri", "https://mfaprodst.queue.core.usgovcloudapi.net"));

        Assert.Equal(new Uri("https://mfaprodst.table.core.usgovcloudapi.net"), connection.TableServiceUri);
        Assert.Equal(new Uri("https://mfaprodst.queue.core.usgovcloudapi.net"), connection.QueueServiceUri);
    }

    [Fact]
    public void Identity_based_clients_point_at_the_account_endpoints()
    {
        var connection = From(("AzureWebJobsStorage:accountName", "mfaprodst"), ("AzureWebJobsStorage:credential", "managedidentity"));

        var tables = connection.CreateTableServiceClient();
        var queues = connection.CreateQueueServiceClient();

        Assert.Equal("mfaprodst", tables.AccountName);
        Assert.Equal("mfaprodst.table.core.windows.net", tables.Uri.Host);
        Assert.Equal("mfaprodst", queues.AccountName);
        Assert.Equal("mfaprodst.queue.core.windows.net", queues.Uri.Host);
    }

    [Fact]
    public void A_connection_string_wins_over_an_account_name()
    {
        const string azurite = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;";
        var connection = From(("AzureWebJobsStorage", azurite), ("AzureWebJobsStorage:accountName", "ignored"));

        Assert.Equal(StorageCredentialKind.ConnectionString, connection.Kind);
        Assert.Equal(azurite, connection.ConnectionString);
        Assert.Null(connection.TableServiceUri);
        Assert.Equal(10002, connection.CreateTableServiceClient().Uri.Port);
        Assert.Throws<InvalidOperationException>(connection.CreateCredential);
    }

    [Fact]
    public void No_storage_setting_means_the_local_development_account()
    {
        var connection = From();

        Assert.Equal(StorageCredentialKind.ConnectionString, connection.Kind);
        Assert.Equal("UseDevelopmentStorage=true", connection.ConnectionString);
    }

    [Fact]
    public void Storage_retries_are_bounded_to_seconds_by_default_and_configurable()
    {
        var retry = From().Retry;
        Assert.Equal(2, retry.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(2), retry.NetworkTimeout);
        // The worst case of one storage call that never answers: every try times out, with the delays between them.
        Assert.True((retry.MaxRetries + 1) * retry.NetworkTimeout + retry.MaxRetries * retry.MaxDelay <= TimeSpan.FromSeconds(10));

        var configured = From(("Mfa:Storage:MaxRetries", "0"), ("Mfa:Storage:NetworkTimeout", "00:00:01"), ("Mfa:Storage:RetryDelay", "00:00:00.050")).Retry;
        Assert.Equal(new StorageRetry(0, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)), configured);

        Assert.Throws<InvalidOperationException>(() => From(("Mfa:Storage:MaxRetries", "50")));
        Assert.Throws<InvalidOperationException>(() => From(("Mfa:Storage:NetworkTimeout", "00:00:00")));
    }
}
