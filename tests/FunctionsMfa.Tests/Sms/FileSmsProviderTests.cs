using System.Net;
using System.Text.Json;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Sms;

/// <summary>The app with its real local provider: SMS as JSON lines in a file.</summary>
public class FileSmsAppFactory : MfaAppFactory
{
    public string SmsFile { get; } = Path.Combine(Path.GetTempPath(), "functionsmfa-sms-" + Guid.NewGuid().ToString("N") + ".jsonl");

    protected override void ConfigureSettings(IDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        values["Mfa:Sms:Provider"] = "File";
        values["Mfa:Sms:FilePath"] = SmsFile;
        values["Mfa:Sms:Templates:fr"] = "{app} : votre code est {code} ({minutes} min).";
    }

    /// <summary>The lines written so far to <paramref name="to"/>.</summary>
    public IReadOnlyList<JsonElement> LinesTo(string to) =>
        [.. SmsFileLines.Read(SmsFile).Where(l => l.GetProperty("to").GetString() == to)];
}

[Collection(SmsQueueCollection.Name)]
public sealed class FileSmsProviderTests(FileSmsAppFactory app) : IClassFixture<FileSmsAppFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => app.ClearSmsQueueAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_file_provider_writes_one_json_line_per_sms_in_the_requested_language()
    {
        var client = app.ClientWithToken(app.SessionToken(Wire.NewUserId(), null));
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-CA, en;q=0.5");
        var number = TestNumbers.NewUs();
        var id = (await client.AddAsync(number)).GetProperty("id").GetString()!;
        await client.PrepareAsync(id);
        await app.DrainAsync();

        var line = Assert.Single(app.LinesTo(number));
        var code = line.GetProperty("code").GetString()!;
        Assert.Equal($"FunctionsMfa Test : votre code est {code} (10 min).", line.GetProperty("body").GetString());
        Assert.Equal(app.Time.GetUtcNow().ToUnixTimeMilliseconds(), line.GetProperty("sent_at").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await client.AttemptAsync(id, code)).StatusCode);

        // The raw line reads as the contract shows it: the number and the text unescaped.
        var raw = File.ReadAllLines(app.SmsFile).Single(l => l.Contains(code, StringComparison.Ordinal));
        Assert.Contains($"\"to\":\"{number}\"", raw, StringComparison.Ordinal);
        Assert.Contains("FunctionsMfa Test : votre code", raw, StringComparison.Ordinal);
    }
}
