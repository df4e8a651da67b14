using System.Net;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Tests.Hosting;

/// <summary>Under the Functions host, the handler takes the port it is given and leaves the queues to the host.</summary>
public sealed class CustomHandlerStartupTests
{
    [Fact]
    public async Task The_handler_listens_on_FUNCTIONS_CUSTOMHANDLER_PORT_on_loopback_and_answers_the_hosts_probe()
    {
        var azurite = await Azurite.InstanceAsync();
        var environment = LocalDevelopment.GenerateKeys().ToDictionary(k => k.Key, k => (string?)k.Value);
        environment["AzureWebJobsStorage"] = azurite.ConnectionString;
        var workingDirectory = Directory.CreateTempSubdirectory("mfa-handler-");
        try
        {
            // No --urls: the port comes from FUNCTIONS_CUSTOMHANDLER_PORT, as the host passes it.
            await using var handler = await HandlerProcess.StartAsync(environment, workingDirectory.FullName, underHost: true);
            using var client = handler.Client();

            // The host polls "/" until it gets any answer; ours is a 200.
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        }
        finally
        {
            workingDirectory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Under_the_functions_host_the_in_process_queue_drainer_is_off_even_if_configured_on()
    {
        using var underHost = new HostedHandlerAppFactory();
        await underHost.InitializeAsync();
        Assert.False(underHost.Service<IOptions<QueueDrainOptions>>().Value.Enabled);

        using var standalone = new StandaloneDrainerAppFactory();
        await standalone.InitializeAsync();
        Assert.True(standalone.Service<IOptions<QueueDrainOptions>>().Value.Enabled);
    }

    private sealed class HostedHandlerAppFactory : MfaAppFactory
    {
        protected override void ConfigureSettings(IDictionary<string, string?> values)
        {
            values["Mfa:Queues:Enabled"] = "true";
            values["FUNCTIONS_CUSTOMHANDLER_PORT"] = "54321";
        }

        // The drainer must not run in this test's process: remove the queue functions it would poll.
        protected override void ConfigureTestServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services) =>
            Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.RemoveAll<IQueueFunction>(services);
    }

    private sealed class StandaloneDrainerAppFactory : MfaAppFactory
    {
        protected override void ConfigureSettings(IDictionary<string, string?> values) => values["Mfa:Queues:Enabled"] = "true";

        protected override void ConfigureTestServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services) =>
            Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.RemoveAll<IQueueFunction>(services);
    }
}
