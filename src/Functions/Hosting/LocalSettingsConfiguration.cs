using System.Text.Json;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>
/// Reads the <c>Values</c> of <c>local.settings.json</c> (the Functions Core Tools format) so that a standalone run sees
/// the same settings the Functions host would pass. Keys use the host's <c>__</c> separator. Environment variables are
/// added after this source, so they win.
/// </summary>
internal static class LocalSettingsConfiguration
{
    public static IConfigurationBuilder AddLocalSettings(this IConfigurationBuilder builder, string path)
    {
        if (!File.Exists(path))
        {
            return builder;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (document.RootElement.TryGetProperty("Values", out var section) && section.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in section.EnumerateObject())
            {
                values[property.Name.Replace("__", ":", StringComparison.Ordinal)] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.Null => null,
                    _ => property.Value.GetRawText(),
                };
            }
        }

        return builder.AddInMemoryCollection(values);
    }
}
