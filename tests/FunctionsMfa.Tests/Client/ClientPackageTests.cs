using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Client;

/// <summary>
/// The browser client (clients/js, @functionsmfa/client) run by its own Node tests (clients/js/test/client.test.mjs)
/// against this service on a real socket: every method, every resource field and the error mapping.
/// </summary>
public sealed class ClientPackageTests(LiveAppFactory app) : IClassFixture<LiveAppFactory>
{
    [Fact]
    public async Task The_js_client_passes_its_node_tests_against_the_real_service()
    {
        var output = await NodeScript.RunAsync(
            ["--test", "--test-reporter=tap", Path.Combine("clients", "js", "test", "client.test.mjs")], app.ClientEnvironment());

        Assert.Contains("# fail 0", output, StringComparison.Ordinal);
        Assert.DoesNotContain("# pass 0", output, StringComparison.Ordinal);
    }
}
