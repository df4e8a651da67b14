using FunctionsMfa.LocalHost;

namespace FunctionsHost.Tests;

/// <summary>How the host reads host.json and local.settings.json: the Azure host's defaults where a setting is absent.</summary>
public sealed class HostConfigurationTests
{
    [Fact]
    public void Absent_settings_take_the_Azure_hosts_defaults()
    {
        var host = HostJson.Parse("""{ "version": "2.0" }""");

        Assert.Equal("api", host.RoutePrefix);
        Assert.Equal(new QueueSettings(16, TimeSpan.Zero, 5, TimeSpan.FromMinutes(1), Base64: true), host.Queues);
    }

    [Fact]
    public void Queue_settings_and_an_empty_route_prefix_are_read_from_host_json()
    {
        var host = HostJson.Parse("""
            {
              // comments and trailing commas, as the Azure host allows
              "extensions": {
                "http": { "routePrefix": "" },
                "queues": { "batchSize": 2, "visibilityTimeout": "00:00:30", "maxDequeueCount": 7, "maxPollingInterval": "00:00:02", "messageEncoding": "none", },
              },
            }
            """);

        Assert.Equal("", host.RoutePrefix);
        Assert.Equal(new QueueSettings(2, TimeSpan.FromSeconds(30), 7, TimeSpan.FromSeconds(2), Base64: false), host.Queues);
    }

    [Theory]
    [InlineData("api", "hello/{name}", "api/hello/{name}")]
    [InlineData("", "v1/me", "v1/me")]
    [InlineData("/api/", "/echo", "api/echo")]
    public void Route_template_is_the_prefix_then_the_route(string prefix, string route, string expected) =>
        Assert.Equal(expected, HttpFunctionRouter.Template(prefix, route));
}
