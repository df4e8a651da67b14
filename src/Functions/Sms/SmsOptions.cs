using FunctionsMfa.Domain.Phone;
using PhoneNumbers;

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

    /// <summary>
    /// The line types (libphonenumber's names: <c>MOBILE</c>, <c>FIXED_LINE_OR_MOBILE</c>, <c>FIXED_LINE</c>…) that may
    /// receive codes. Empty: the default, the types that reach a handset. Premium-rate, shared-cost, toll-free,
    /// personal, pager, VoIP and UAN lines are where SMS pumping makes its money.
    /// </summary>
    public List<string> AllowedNumberTypes { get; set; } = [];

    /// <summary>The most phone numbers one user may hold (verified or not).</summary>
    public int MaxPhoneNumbersPerUser { get; set; } = 10;

    /// <summary>Templates by language (<c>en</c>, <c>fr</c>…) with <c>{app}</c>, <c>{code}</c>, <c>{minutes}</c>; they override the built-in ones.</summary>
    public Dictionary<string, string> Templates { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public string DefaultLanguage { get; set; } = SmsTemplate.DefaultLanguage;

    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    public int MaxAttempts { get; set; } = 3;

    public TimeSpan MinInterval { get; set; } = TimeSpan.FromSeconds(30);

    public int PerNumberPerHour { get; set; } = 5;

    public int PerUserPerDay { get; set; } = 10;

    public AcsSettings Acs { get; set; } = new();

    public static readonly IReadOnlyList<PhoneNumberType> DefaultAllowedNumberTypes = [PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE];

    /// <summary>The allowed types, parsed; an unknown name is left out here and refused by the start-up validation.</summary>
    public IReadOnlySet<PhoneNumberType> EffectiveAllowedNumberTypes => AllowedNumberTypes.Count > 0
        ? AllowedNumberTypes.Select(ParseNumberType).OfType<PhoneNumberType>().ToHashSet()
        : DefaultAllowedNumberTypes.ToHashSet();

    public bool AllowedNumberTypesAreKnown => AllowedNumberTypes.TrueForAll(name => ParseNumberType(name) is not null);

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

    /// <summary>A libphonenumber type by its name, case-insensitive; <c>UNKNOWN</c> is never allowed.</summary>
    private static PhoneNumberType? ParseNumberType(string name) =>
        name.Trim() is { Length: > 0 } trimmed && char.IsAsciiLetter(trimmed[0]) &&
        Enum.TryParse<PhoneNumberType>(trimmed, ignoreCase: true, out var type) && type != PhoneNumberType.UNKNOWN
            ? type
            : null;

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
