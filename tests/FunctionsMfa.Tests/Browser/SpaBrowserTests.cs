using System.Diagnostics;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Browser;

/// <summary>
/// The sample as ./build.sh run serves it: the API on a real socket, and the sample backend (samples/backend, Node)
/// serving the SPA (samples/spa) and the client from a second origin, so the browser's CORS preflights, form bodies
/// and bearer headers are the real thing. The backend holds the secret key and creates the sign-ins.
/// </summary>
public sealed class SpaAppFactory : LiveAppFactory
{
    private Process? backend;

    public int SamplePort { get; } = Ports.FreeLoopbackPort();

    /// <summary>Starts the sample backend (once) and returns the sample app's URL.</summary>
    public async Task<Uri> StartSampleAsync()
    {
        if (backend is null)
        {
            var start = new ProcessStartInfo("node")
            {
                ArgumentList = { Path.Combine(Azurite.RepositoryRoot(), "samples", "backend", "server.mjs") },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                Environment =
                {
                    ["MFA_API_URL"] = ServerAddress().ToString().TrimEnd('/'),
                    ["MFA_SECRET_KEY"] = SecretKey,
                    ["SAMPLE_PORT"] = SamplePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            };
            backend = Process.Start(start) ?? throw new InvalidOperationException("The sample backend did not start.");
            backend.OutputDataReceived += (_, _) => { };
            backend.ErrorDataReceived += (_, _) => { };
            backend.BeginOutputReadLine();
            backend.BeginErrorReadLine();
            using var http = new HttpClient();
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                Assert.False(backend.HasExited, "The sample backend exited at start.");
                try
                {
                    var config = await http.GetStringAsync(new Uri($"http://127.0.0.1:{SamplePort}/api/config"));
                    Assert.Contains(ServerAddress().ToString().TrimEnd('/'), config, StringComparison.Ordinal);
                    break;
                }
                catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
                {
                    await Task.Delay(100);
                }
            }
        }

        return new Uri($"http://127.0.0.1:{SamplePort}/");
    }

    public override async Task DisposeAsync()
    {
        if (backend is { HasExited: false })
        {
            backend.Kill(entireProcessTree: true);
            await backend.WaitForExitAsync();
        }

        backend?.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>The sample app's origin is the one the host allows by CORS (its <c>--cors</c>).</summary>
    public SpaAppFactory() => CorsOrigins = $"http://127.0.0.1:{SamplePort}";
}

public sealed class SpaBrowserTests(SpaAppFactory app) : IClassFixture<SpaAppFactory>
{
    /// <summary>
    /// tests/browser/spa-flow.mjs clicks through the whole sample in Chromium (its steps and checks are there): enrol
    /// with the QR decoded by zbarimg and a code from oathtool, backup codes shown and downloaded, sign-ins by TOTP, SMS
    /// (the code read from the File provider's output) and a backup code, errors in words, disable TOTP, sign-out, a lockout.
    /// </summary>
    [Fact]
    public async Task The_sample_app_is_clicked_through_in_a_real_browser_across_origins()
    {
        var sample = await app.StartSampleAsync();
        var userId = Wire.NewUserId();

        var output = await NodeScript.RunAsync(
            [Path.Combine("tests", "browser", "spa-flow.mjs"), sample.ToString(), userId, Wire.NewUserId()], app.ClientEnvironment(2),
            TimeSpan.FromMinutes(4));

        Assert.Contains("step=enrolled qr=uri", output, StringComparison.Ordinal);
        Assert.Contains("step=signed-in strategy=totp", output, StringComparison.Ordinal);
        Assert.Contains("step=signed-in strategy=phone_code", output, StringComparison.Ordinal);
        Assert.Contains("step=signed-in strategy=backup_code", output, StringComparison.Ordinal);
        Assert.Contains("step=signed-out", output, StringComparison.Ordinal);
        Assert.Contains("step=locked", output, StringComparison.Ordinal);
        Assert.EndsWith("flow complete\n", output, StringComparison.Ordinal);

        // The backend's view agrees with what the page showed: the user kept the phone and lost the authenticator app.
        var user = await (await app.BackendClient().GetAsync($"/v1/users/{userId}")).JsonAsync();
        Assert.False(user.GetProperty("totp_enabled").GetBoolean());
        Assert.True(user.GetProperty("two_factor_enabled").GetBoolean());
    }
}
