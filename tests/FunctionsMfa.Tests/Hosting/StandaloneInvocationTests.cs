using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FunctionsMfa.Tests.Hosting;

/// <summary>Standalone (the in-process drainer on, no Functions host): the app with only a recording queue function.</summary>
public sealed class StandaloneQueueAppFactory : MfaAppFactory
{
    public QueueScript Script { get; } = new();

    protected override void ConfigureSettings(IDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        values["Mfa:Queues:Enabled"] = "true";
    }

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.RemoveAll<IQueueFunction>();
        services.AddSingleton(Script);
        services.AddQueueFunction<RecordingQueueFunction>();
    }
}

public sealed class StandaloneInvocationTests(StandaloneQueueAppFactory app) : IClassFixture<StandaloneQueueAppFactory>
{
    [Fact]
    public async Task Standalone_the_host_invocation_route_is_not_there_for_anyone_to_post_to()
    {
        var response = await app.CreateClient().PostAsync(
            "/" + RecordingQueueFunction.FunctionName, Wire.Json(System.Text.Json.JsonDocument.Parse(HostInvocationProtocolTests.HostPayload("\"forged\"")).RootElement));
        await response.ErrorAsync(404, "resource_not_found");
        Assert.Empty(app.Script.Invocations);
    }
}
