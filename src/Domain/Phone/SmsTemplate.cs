using System.Globalization;

namespace FunctionsMfa.Domain.Phone;

/// <summary>The SMS text: a per-language template with <c>{app}</c>, <c>{code}</c> and <c>{minutes}</c> placeholders.</summary>
public static class SmsTemplate
{
    public const string DefaultLanguage = "en";

    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["en"] = "{code} is your {app} verification code. It expires in {minutes} minutes. Do not share it.",
        ["fr"] = "{code} est votre code de vérification {app}. Il expire dans {minutes} minutes. Ne le partagez pas.",
        ["de"] = "{code} ist Ihr {app}-Bestätigungscode. Er läuft in {minutes} Minuten ab. Geben Sie ihn nicht weiter.",
        ["es"] = "{code} es tu código de verificación de {app}. Caduca en {minutes} minutos. No lo compartas.",
    };

    public static string Render(string template, string app, string code, int minutes)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template
            .Replace("{app}", app, StringComparison.Ordinal)
            .Replace("{code}", code, StringComparison.Ordinal)
            .Replace("{minutes}", minutes.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    /// <summary>
    /// The best configured language for an <c>Accept-Language</c> value: the first listed tag (or its primary
    /// subtag) that has a template, else <paramref name="fallback"/>. Quality values are honoured by order only.
    /// </summary>
    public static string PickLanguage(string? acceptLanguage, IEnumerable<string> available, string fallback)
    {
        ArgumentNullException.ThrowIfNull(available);
        var set = new HashSet<string>(available, StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(acceptLanguage))
        {
            return fallback;
        }

        var ranked = acceptLanguage.Split(',')
            .Select((part, index) =>
            {
                var pieces = part.Split(';');
                var q = 1.0;
                foreach (var p in pieces.Skip(1))
                {
                    var kv = p.Trim();
                    if (kv.StartsWith("q=", StringComparison.OrdinalIgnoreCase) &&
                        double.TryParse(kv[2..], NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
                    {
                        q = parsed;
                    }
                }

                return (Tag: pieces[0].Trim(), Q: q, Index: index);
            })
            .Where(t => t.Tag.Length is > 0 and <= 35 && t.Q > 0)
            .OrderByDescending(t => t.Q).ThenBy(t => t.Index);
        foreach (var (tag, _, _) in ranked)
        {
            if (set.Contains(tag))
            {
                return set.First(s => string.Equals(s, tag, StringComparison.OrdinalIgnoreCase));
            }

            var primary = tag.Split('-')[0];
            if (set.Contains(primary))
            {
                return set.First(s => string.Equals(s, primary, StringComparison.OrdinalIgnoreCase));
            }
        }

        return fallback;
    }
}
