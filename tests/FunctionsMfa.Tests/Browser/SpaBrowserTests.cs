using System.Diagnostics;
using System.Net;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.Totp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;

namespace FunctionsMfa.Tests.Browser;

/// <summary>
/// The API on a real Kestrel socket, and the SPA sample (samples/spa) served from a second origin, as a browser app
/// would be: so the browser's CORS preflights, form bodies and bearer headers are the real thing.
/// </summary>
public sealed class SpaAppFactory : MfaAppFactory, IAsyncLifetime
{
    private WebApplication? spaServer;

    public SpaAppFactory() => ListenOnLoopback();

    public int SpaPort { get; } = Ports.FreeLoopbackPort();

    public async Task<Uri> StartSpaAsync()
    {
        if (spaServer is null)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{SpaPort}");
            spaServer = builder.Build();
            spaServer.UseFileServer(new FileServerOptions
            {
                FileProvider = new PhysicalFileProvider(Path.Combine(Azurite.RepositoryRoot(), "samples", "spa")),
            });
            await spaServer.StartAsync();
        }

        return new Uri($"http://127.0.0.1:{SpaPort}/");
    }

    public new async Task DisposeAsync()
    {
        if (spaServer is not null)
        {
            await spaServer.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    protected override void ConfigureSettings(IDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        values["Mfa:Cors:AllowedOrigins:0"] = $"http://127.0.0.1:{SpaPort}";
    }
}

public sealed class SpaBrowserTests(SpaAppFactory app) : IClassFixture<SpaAppFactory>
{
    [Fact]
    public async Task The_spa_sample_completes_a_totp_sign_in_in_a_real_browser()
    {
        var api = app.ServerAddress();
        var spa = await app.StartSpaAsync();
        var userId = Wire.NewUserId();
        var secret = await app.EnrolAsync(userId);

        var created = await (await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = userId })).JsonAsync();
        Assert.Equal("needs_second_factor", created.GetProperty("status").GetString());
        var signInId = created.GetProperty("id").GetString()!;
        var clientToken = created.GetProperty("client_token").GetString()!;

        // The enrolment used the current step; the browser signs in with the next one.
        app.Time.Advance(TimeSpan.FromSeconds(30));
        var rightCode = app.CodeAt(secret);
        var wrongCode = rightCode == "000000" ? "111111" : "000000";

        var page = $"{spa}index.html#api={Uri.EscapeDataString(api.ToString().TrimEnd('/'))}&sign_in={signInId}&client_token={clientToken}";
        var output = await RunNodeAsync(Path.Combine(Azurite.RepositoryRoot(), "tests", "browser", "spa-flow.mjs"), page, wrongCode, rightCode);

        Assert.Contains("strategies=totp,backup_code", output, StringComparison.Ordinal);
        Assert.Contains("error=Incorrect code", output, StringComparison.Ordinal);
        Assert.Contains($"done=Signed in as {userId}; authenticator app on", output, StringComparison.Ordinal);
        Assert.Contains("status=Sign-in complete", output, StringComparison.Ordinal);

        var read = await (await app.BackendClient().GetAsync($"/v1/sign_ins/{signInId}")).JsonAsync();
        Assert.Equal("complete", read.GetProperty("status").GetString());
    }

    private static async Task<string> RunNodeAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Azurite.RepositoryRoot(),
        };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"The browser run failed ({process.ExitCode}):\n{output}\n{await stderr}");
        return output;
    }
}
