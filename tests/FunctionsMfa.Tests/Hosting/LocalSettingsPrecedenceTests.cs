using System.Net;
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
        var directory = Directory.CreateTempSubdirectory("mfa-settings-");
        var values = new JsonObject { ["AzureWebJobsStorage"] = azurite.ConnectionString, ["Mfa__Issuer"] = "From File" };
        foreach (var (key, value) in LocalDevelopment.GenerateKeys())
        {
            values[key] = value;
        }

        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "local.settings.json"), new JsonObject { ["Values"] = values }.ToJsonString());
        try
        {
            await using var handler = await HandlerProcess.StartAsync(
                new Dictionary<string, string?> { ["Mfa__Issuer"] = "From Environment", ["Mfa__Queues__Enabled"] = "false" }, directory.FullName);

            // The secret key exists only in the file: the call is admitted. The issuer is in both: the environment's is used.
            using var client = handler.Client((string)values["Mfa__SecretKeys__0"]!);
            var response = await client.PostAsync("/v1/sign_ins", Wire.Json(new { user_id = Wire.NewUserId() }));
            var body = await response.JsonAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
            var payload = body.GetProperty("session_token").GetString()!.Split('.')[1];
            var claims = JsonDocument.Parse(Convert.FromBase64String(payload.Replace('-', '+').Replace('_', '/').PadRight((payload.Length + 3) / 4 * 4, '='))).RootElement;
            Assert.Equal("From Environment", claims.GetProperty("iss").GetString());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
