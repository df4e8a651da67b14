using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FunctionsMfa.Tests.Infrastructure;

/// <summary>
/// The app as a client in another process sees it: a real socket on 127.0.0.1, the real clock (that process computes
/// TOTP codes with oathtool at its own now, so a fake clock could not be shared), and SMS as in local development: the
/// host's queue trigger drains <c>sms-codes</c> and the <c>File</c> provider writes each SMS to <see cref="SmsFile"/>.
/// The queue trigger would take other tests' messages from the shared Azurite, so this app has an Azurite of its own.
/// </summary>
public class LiveAppFactory : MfaAppFactory
{
    private Azurite? ownAzurite;

    /// <summary>The host's queue trigger polls, as in Azure.</summary>
    public LiveAppFactory() => PollQueues = true;

    /// <summary>The File provider's output: one JSON line per SMS (<c>to</c>, <c>body</c>, <c>code</c>, <c>sent_at</c>).</summary>
    public string SmsFile { get; } = Path.Combine(Path.GetTempPath(), $"functionsmfa-sms-{Guid.NewGuid():N}.jsonl");

    public override async Task InitializeAsync()
    {
        ownAzurite = await Azurite.StartPrivateAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        ownAzurite?.Dispose();
        File.Delete(SmsFile);
    }

    /// <summary>
    /// What a script run against this app reads (clients/js/test/support.mjs): the API's address, the secret key (as
    /// the app's backend holds it), the SMS file, and fresh valid mobile numbers.
    /// </summary>
    public Dictionary<string, string> ClientEnvironment(int phoneNumbers = 8) => new(StringComparer.Ordinal)
    {
        ["MFA_API_URL"] = ServerAddress().ToString().TrimEnd('/'),
        ["MFA_SECRET_KEY"] = SecretKey,
        ["MFA_SMS_FILE"] = SmsFile,
        ["MFA_PHONE_NUMBERS"] = string.Join(',', Enumerable.Range(0, phoneNumbers).Select(_ => Sms.TestNumbers.NewUs())),
    };

    protected override void ConfigureSettings(IDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        values["AzureWebJobsStorage"] = ownAzurite!.ConnectionString;
        values["Mfa:Sms:Provider"] = "File";
        values["Mfa:Sms:FilePath"] = SmsFile;
        // Short enough that a test texts one number twice without a long wait, long enough to show the 429.
        values["Mfa:Sms:MinInterval"] = "00:00:02";
        ConfigureLiveSettings(values);
    }

    /// <summary>A subclass adds settings (CORS origins).</summary>
    protected virtual void ConfigureLiveSettings(IDictionary<string, string?> values)
    {
    }

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.RemoveAll<TimeProvider>();
        services.AddSingleton(TimeProvider.System);
    }
}
