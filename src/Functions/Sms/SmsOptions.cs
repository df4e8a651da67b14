using FunctionsMfa.Domain.Phone;

namespace FunctionsMfa.Functions.Sms;

/// <summary><c>Mfa:Sms</c>: the provider, the destinations allowed, the abuse limits, the code rules and the texts.</summary>
internal sealed class SmsOptions
{
    public const string Section = "Mfa:Sms";

    /// <summary>
    /// Countries with a low SMS-pumping risk and cheap delivery. Lists bound from configuration append to an
    /// initialised list, so the default lives here and applies only when nothing is configured.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultAllowedCountries =
        ["US", "CA", "GB", "IE", "FR", "DE", "NL", "BE", "LU", "AT", "CH", "ES", "PT", "IT", "DK", "SE", "NO", "FI", "AU", "NZ"];

    /// <summary><c>File</c> (local default: one JSON line per SMS) or <c>Acs</c> (Azure Communication Services).</summary>
    public string Provider { get; set; } = "File";

    public string FilePath { get; set; } = ".data/sms.jsonl";

    /// <summary>ISO 3166 region codes (as libphonenumber names them) that may receive codes. Empty: the default list.</summary>
    public List<string> AllowedCountries { get; set; } = [];

    /// <summary>Templates by language (<c>en</c>, <c>fr</c>…) with <c>{app}</c>, <c>{code}</c>, <c>{minutes}</c>; they override the built-in ones.</summary>
    public Dictionary<string, string> Templates { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public string DefaultLanguage { get; set; } = SmsTemplate.DefaultLanguage;

    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    public int MaxAttempts { get; set; } = 3;

    public TimeSpan MinInterval { get; set; } = TimeSpan.FromSeconds(30);

    public int PerNumberPerHour { get; set; } = 5;

    public int PerUserPerDay { get; set; } = 10;

    public AcsSettings Acs { get; set; } = new();

    public IReadOnlyCollection<string> EffectiveAllowedCountries => AllowedCountries.Count > 0 ? AllowedCountries : DefaultAllowedCountries;

    public IReadOnlyDictionary<string, string> EffectiveTemplates
    {
        get
        {
            var templates = new Dictionary<string, string>(SmsTemplate.Defaults, StringComparer.OrdinalIgnoreCase);
            foreach (var (language, template) in Templates)
            {
                templates[language] = template;
            }

            return templates;
        }
    }

    public PhoneCodePolicy CodePolicy => new() { CodeLifetime = CodeLifetime, MaxAttempts = MaxAttempts };

    public SmsSendLimits Limits => new() { MinInterval = MinInterval, PerNumberPerHour = PerNumberPerHour, PerUserPerDay = PerUserPerDay };
}

/// <summary><c>Mfa:Sms:Acs</c>: a connection string (<c>endpoint=…;accesskey=…</c>), or an endpoint with Entra ID.</summary>
internal sealed class AcsSettings
{
    public string? ConnectionString { get; set; }

    public string? Endpoint { get; set; }

    /// <summary>The sender: an ACS phone number in E.164 or an alphanumeric sender id.</summary>
    public string? From { get; set; }

    /// <summary>Pipeline retries per queue delivery (Azure.Core, exponential from <see cref="RetryDelay"/>).</summary>
    public int MaxRetries { get; set; } = 3;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);
}
