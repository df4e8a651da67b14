using System.Diagnostics;
using System.Text.Json;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.Sms;
using FunctionsMfa.Tests.Totp;

namespace FunctionsMfa.Tests.Deployment;

/// <summary>
/// The packaged Native AOT binary, the one that ships, driven through a whole flow on its own Azurite: reflection and
/// trimming bugs (a JSON context, a Tables binder generic) show only here, never in the JIT-run tests. Its queue
/// drainer sends the SMS through the File provider, so the whole SMS path runs native too.
/// </summary>
public sealed class NativeBinaryFlowTests
{
    [Fact]
    public async Task The_packaged_binary_serves_totp_backup_codes_phone_numbers_and_sms()
    {
        using var azurite = await Azurite.StartPrivateAsync();
        var work = Directory.CreateTempSubdirectory("mfa-native-");
        var smsFile = Path.Combine(work.FullName, "sms.jsonl");
        var keys = LocalDevelopment.GenerateKeys().ToDictionary(k => k.Key, k => k.Value);
        var package = RepositoryFiles.PathOf("artifacts", "package", "FunctionsMfa.Functions");
        Assert.True(File.Exists(package), $"{package} is missing: run ./build.sh publish (./build.sh test does it when the package is stale).");
        var environment = keys.ToDictionary(k => k.Key, k => (string?)k.Value);
        environment["AzureWebJobsStorage"] = azurite.ConnectionString;
        environment["Mfa__Sms__FilePath"] = smsFile;
        environment["Mfa__Queues__MaxPollingInterval"] = "00:00:00.200";
        try
        {
            await using var handler = await HandlerProcess.StartAsync(environment, work.FullName, executable: package);
            using var http = handler.Client();
            var userId = Wire.NewUserId();

            // A user without factors signs in at once.
            var first = await SendAsync(http, HttpMethod.Post, "/v1/sign_ins", keys["Mfa__SecretKeys__0"], new { user_id = userId });
            var session = first.GetProperty("session_token").GetString()!;

            // TOTP: the QR code reads back as the URI; oathtool's code verifies it and ten backup codes come back.
            var totp = await SendAsync(http, HttpMethod.Post, "/v1/me/totp", session, null);
            var secret = totp.GetProperty("secret").GetString()!;
            Assert.Equal(totp.GetProperty("uri").GetString(), ExternalTools.DecodeQrDataUri(totp.GetProperty("qr_code").GetString()!));
            var verified = await SendAsync(http, HttpMethod.Post, "/v1/me/totp/attempt_verification", session,
                new { code = ExternalTools.OathTotp(secret, DateTimeOffset.UtcNow) });
            var backupCodes = verified.GetProperty("backup_codes").EnumerateArray().Select(c => c.GetString()!).ToList();
            Assert.Equal(10, backupCodes.Count);

            // A second-factor sign-in with a backup code gives a session fresh enough for step-up.
            var signIn = await SendAsync(http, HttpMethod.Post, "/v1/sign_ins", keys["Mfa__SecretKeys__0"], new { user_id = userId });
            Assert.Equal("needs_second_factor", signIn.GetProperty("status").GetString());
            var completed = await SendAsync(http, HttpMethod.Post, $"/v1/client/sign_ins/{signIn.GetProperty("id").GetString()}/attempt_second_factor",
                signIn.GetProperty("client_token").GetString()!, new { strategy = "backup_code", code = backupCodes[0] });
            Assert.Equal("complete", completed.GetProperty("status").GetString());
            session = completed.GetProperty("session_token").GetString()!;

            // A phone number, verified with the code the queue function wrote through the File provider, reserved for 2FA.
            var number = TestNumbers.NewUs();
            var phone = await SendAsync(http, HttpMethod.Post, "/v1/me/phone_numbers", session, new { phone_number = number });
            var phoneId = phone.GetProperty("id").GetString()!;
            await SendAsync(http, HttpMethod.Post, $"/v1/me/phone_numbers/{phoneId}/prepare_verification", session, null);
            var smsCode = await WaitForSmsCodeAsync(smsFile, number);
            await SendAsync(http, HttpMethod.Post, $"/v1/me/phone_numbers/{phoneId}/attempt_verification", session, new { code = smsCode });
            await SendAsync(http, HttpMethod.Patch, $"/v1/me/phone_numbers/{phoneId}", session, new { reserved_for_second_factor = true });

            var me = await SendAsync(http, HttpMethod.Get, "/v1/me", session, null);
            Assert.True(me.GetProperty("totp_enabled").GetBoolean());
            Assert.Equal(9, me.GetProperty("backup_codes_remaining").GetInt32());
            var listed = Assert.Single(me.GetProperty("phone_numbers").EnumerateArray());
            Assert.Equal(number, listed.GetProperty("phone_number").GetString());
            Assert.True(listed.GetProperty("reserved_for_second_factor").GetBoolean());

            var output = handler.Output;
            Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
            Assert.DoesNotContain(smsCode, output, StringComparison.Ordinal);
            Assert.DoesNotContain(backupCodes[0], output, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string path, string bearer, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new("Bearer", bearer);
        if (body is not null)
        {
            request.Content = Wire.Json(body);
        }

        using var response = await http.SendAsync(request);
        var json = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {json}");
        return json;
    }

    private static async Task<string> WaitForSmsCodeAsync(string smsFile, string number)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (File.Exists(smsFile))
            {
                foreach (var line in await File.ReadAllLinesAsync(smsFile))
                {
                    using var sms = JsonDocument.Parse(line);
                    if (sms.RootElement.GetProperty("to").GetString() == number)
                    {
                        return sms.RootElement.GetProperty("code").GetString()!;
                    }
                }
            }

            await Task.Delay(100);
        }

        Assert.Fail($"No SMS to {number} reached {smsFile}.");
        return string.Empty;
    }
}
