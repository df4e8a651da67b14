using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Hosting;

/// <summary>
/// Standalone, the handler reads local.settings.json's <c>Values</c> (the Core Tools file) and the environment on top:
/// the environment wins, as it does under the Functions host, which turns that file into environment variables.
/// </summary>
public sealed class LocalSettingsPrecedenceTests
{
    [Fact]
    public async Task Local_settings_json_is_read_and_the_environment_wins()
    {
        var azurite = await Azurite.InstanceAsync();
        var port = Ports.FreeLoopbackPort();
        var directory = Directory.CreateTempSubdirectory("mfa-settings-");
        var values = new JsonObject { ["AzureWebJobsStorage"] = azurite.ConnectionString, ["Mfa__Issuer"] = "From File" };
        foreach (var (key, value) in LocalDevelopment.GenerateKeys())
        {
            values[key] = value;
        }

        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "local.settings.json"), new JsonObject { ["Values"] = values }.ToJsonString());

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "FunctionsMfa.Functions.dll"), "--urls", $"http://127.0.0.1:{port}" },
            WorkingDirectory = directory.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) ||
            k.StartsWith("Mfa", StringComparison.OrdinalIgnoreCase) || k is "AzureWebJobsStorage" or MfaApi.CustomHandlerPortVariable).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["Mfa__Issuer"] = "From Environment";
        start.Environment["Mfa__Queues__Enabled"] = "false";

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var waited = Stopwatch.StartNew();
            while (true)
            {
                Assert.False(process.HasExited, $"The handler exited: {output}");
                Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1), $"The handler never answered: {output}");
                try
                {
                    if ((await client.GetAsync("/health")).StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(50);
            }

            // The secret key exists only in the file: the call is admitted. The issuer is in both: the environment's is used.
            client.DefaultRequestHeaders.Authorization = new("Bearer", (string)values["Mfa__SecretKeys__0"]!);
            var response = await client.PostAsync("/v1/sign_ins", Wire.Json(new { user_id = Wire.NewUserId() }));
            var body = await response.JsonAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
            var payload = body.GetProperty("session_token").GetString()!.Split('.')[1];
            var claims = JsonDocument.Parse(Convert.FromBase64String(payload.Replace('-', '+').Replace('_', '/').PadRight((payload.Length + 3) / 4 * 4, '='))).RootElement;
            Assert.Equal("From Environment", claims.GetProperty("iss").GetString());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            directory.Delete(recursive: true);
        }
    }
}
