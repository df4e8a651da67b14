using System.Diagnostics;
using System.Text.Json;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.Sms;
using FunctionsMfa.Tests.Totp;

namespace FunctionsMfa.Tests.Deployment;

/// <summary>
/// The package that ships (<c>artifacts/functionsmfa.zip</c>, written by <c>./build.sh publish</c>), laid out as
/// <c>func azure functionapp publish</c> uploads it, and run as Azure runs it: unzipped, under the Functions host (the
/// local one) as separate processes, the host starting the worker from the package's <c>worker.config.json</c>, on
/// its own Azurite. Its queue trigger sends the SMS through the File provider, so the whole path runs from the package.
/// </summary>
public sealed class PublishedPackageTests
{
    private static string Package => RepositoryFiles.PathOf("artifacts", "functionsmfa.zip");

    [Fact]
    public void The_package_holds_the_workers_publish_folder_as_func_publishes_it()
    {
        Assert.True(File.Exists(Package), $"{Package} is missing: run ./build.sh publish (./build.sh test does it when the package is stale).");
        using var zip = System.IO.Compression.ZipFile.OpenRead(Package);
        var names = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        foreach (var required in (string[])["host.json", "functions.metadata", "worker.config.json", "FunctionsMfa.Functions.dll",
            "FunctionsMfa.Functions.deps.json", "FunctionsMfa.Functions.runtimeconfig.json", "FunctionsMfa.Domain.dll", "extensions.json"])
        {
            Assert.Contains(required, names);
        }

        Assert.Contains(names, n => n.StartsWith(".azurefunctions/", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.EndsWith("local.settings.json", StringComparison.Ordinal) || n.Contains("Tests", StringComparison.Ordinal));

        // host.json is the repository's: no custom handler, the route prefix and queue settings the app is tested with.
        using var host = JsonDocument.Parse(zip.GetEntry("host.json")!.Open());
        Assert.False(host.RootElement.TryGetProperty("customHandler", out _));
        Assert.Equal("", host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        Assert.Equal(5, host.RootElement.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32());
        using var worker = JsonDocument.Parse(zip.GetEntry("worker.config.json")!.Open());
        Assert.Equal("FunctionsMfa.Functions.dll", worker.RootElement.GetProperty("description").GetProperty("defaultWorkerPath").GetString());
    }

    [Fact]
    public async Task The_published_package_under_the_host_as_separate_processes_serves_totp_backup_codes_phone_numbers_and_sms()
    {
        using var azurite = await Azurite.StartPrivateAsync();
        var work = Directory.CreateTempSubdirectory("mfa-package-");
        var smsFile = Path.Combine(work.FullName, "sms.jsonl");
        var keys = LocalDevelopment.GenerateKeys().ToDictionary(k => k.Key, k => k.Value);
        Assert.True(File.Exists(Package), $"{Package} is missing: run ./build.sh publish (./build.sh test does it when the package is stale).");
        var app = Path.Combine(work.FullName, "app");
        System.IO.Compression.ZipFile.ExtractToDirectory(Package, app);
        var environment = keys.ToDictionary(k => k.Key, k => (string?)k.Value);
        environment["AzureWebJobsStorage"] = azurite.ConnectionString;
        environment["Mfa__Sms__FilePath"] = smsFile;
        try
        {
            await using var handler = await HostProcess.StartAsync(app, environment, work.FullName);
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
            foreach (var sms in SmsFileLines.Read(smsFile))
            {
                if (sms.GetProperty("to").GetString() == number)
                {
                    return sms.GetProperty("code").GetString()!;
                }
            }

            await Task.Delay(100);
        }

        Assert.Fail($"No SMS to {number} reached {smsFile}.");
        return string.Empty;
    }
}
