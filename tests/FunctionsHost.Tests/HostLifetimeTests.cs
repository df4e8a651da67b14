using System.Diagnostics;
using System.Net;
using FunctionsHost.Tests.Infrastructure;

namespace FunctionsHost.Tests;

/// <summary>Hosts of their own: these tests stop the host, or take its storage away.</summary>
public sealed class HostLifetimeTests
{
    [Fact]
    public async Task Worker_process_is_gone_when_the_host_stops()
    {
        await using var host = await LocalHostProcess.StartAsync(new Dictionary<string, string> { ["AzureWebJobsStorage"] = Azurite.ConnectionStringFor(AzuritePorts.Free()) });
        var workerPid = await host.WorkerPid.WaitAsync(TimeSpan.FromSeconds(5));
        using (var worker = Process.GetProcessById(workerPid))
        {
            Assert.False(worker.HasExited);
        }

        var exitCode = await host.StopAsync();

        Assert.Equal(0, exitCode);
        Assert.True(await Recorded.EventuallyAsync(() => Task.FromResult(!IsRunning(workerPid)), TimeSpan.FromSeconds(5)), $"worker {workerPid} still runs.\n{host.Output}");
    }

    [Fact]
    public async Task Worker_process_is_gone_when_the_host_is_killed()
    {
        // The worker does not notice a broken stream; on Linux the kernel tells it (setpriv --pdeathsig).
        await using var host = await LocalHostProcess.StartAsync(new Dictionary<string, string> { ["AzureWebJobsStorage"] = Azurite.ConnectionStringFor(AzuritePorts.Free()) });
        var workerPid = await host.WorkerPid.WaitAsync(TimeSpan.FromSeconds(5));

        await host.KillHostOnlyAsync();

        Assert.True(await Recorded.EventuallyAsync(() => Task.FromResult(!IsRunning(workerPid)), TimeSpan.FromSeconds(10)), $"worker {workerPid} still runs.\n{host.Output}");
    }

    [Fact]
    public async Task Host_stops_with_an_error_when_its_worker_dies()
    {
        await using var host = await LocalHostProcess.StartAsync(new Dictionary<string, string> { ["AzureWebJobsStorage"] = Azurite.ConnectionStringFor(AzuritePorts.Free()) });
        using (var worker = Process.GetProcessById(await host.WorkerPid.WaitAsync(TimeSpan.FromSeconds(5))))
        {
            worker.Kill();
        }

        Assert.True(await Recorded.EventuallyAsync(() => Task.FromResult(host.HasExited), TimeSpan.FromSeconds(20)), host.Output);
        Assert.NotEqual(0, host.ExitCode);
    }

    [Fact]
    public async Task Cors_comes_from_local_settings_when_no_argument_is_given()
    {
        await using var host = await LocalHostProcess.StartAsync(
            new Dictionary<string, string> { ["AzureWebJobsStorage"] = Azurite.ConnectionStringFor(AzuritePorts.Free()) },
            hostSection: new Dictionary<string, string> { ["CORS"] = "https://one.example, https://two.example" });
        using var client = host.CreateClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "api/hello/ada");
        preflight.Headers.Add("Origin", "https://two.example");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");

        using var response = await client.SendAsync(preflight);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("https://two.example", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
