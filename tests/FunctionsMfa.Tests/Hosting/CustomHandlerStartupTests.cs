using System.Diagnostics;
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
        var port = Ports.FreeLoopbackPort();
        var workingDirectory = Directory.CreateTempSubdirectory("mfa-handler-");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "FunctionsMfa.Functions.dll") },
            WorkingDirectory = workingDirectory.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) ||
            k.StartsWith("Mfa", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in LocalDevelopment.GenerateKeys())
        {
            start.Environment[key] = value;
        }

        start.Environment["AzureWebJobsStorage"] = azurite.ConnectionString;
        start.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            HttpResponseMessage? probe = null;
            var waited = Stopwatch.StartNew();
            while (probe is null)
            {
                Assert.False(process.HasExited, $"The handler exited ({(process.HasExited ? process.ExitCode : 0)}): {output}");
                Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1), $"The handler never answered on {port}: {output}");
                try
                {
                    probe = await client.GetAsync("/");
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(50);
                }
            }

            // The host polls "/" until it gets any answer; ours is a 200.
            Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
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
