using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>
/// Creates <c>local.settings.json</c> from the sample on first use, with freshly generated development keys, so a
/// clone runs without anyone pasting secrets. An existing file is left alone.
/// </summary>
internal static class LocalDevelopment
{
    public static int InitLocalSettings(string samplePath, string targetPath, TextWriter output)
    {
        if (File.Exists(targetPath))
        {
            output.WriteLine($"{targetPath} exists; kept.");
            return 0;
        }

        var root = JsonNode.Parse(File.ReadAllText(samplePath))!.AsObject();
        var values = root["Values"]!.AsObject();
        foreach (var (key, value) in GenerateKeys())
        {
            values[key] = value;
        }

        File.WriteAllText(targetPath, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        output.WriteLine($"Created {targetPath} with new development keys.");
        return 0;
    }

    /// <summary>A fresh secret key, session signing key, encryption key and hash key.</summary>
    public static IEnumerable<KeyValuePair<string, string>> GenerateKeys()
    {
        using var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        yield return new("Mfa__SecretKeys__0", "sk_dev_" + Crypto.Ids.Base32(RandomNumberGenerator.GetBytes(20)));
        yield return new("Mfa__Sessions__SigningKeys__0", "dev1:" + Convert.ToBase64String(signing.ExportPkcs8PrivateKey()));
        yield return new("Mfa__Encryption__Keys__0", "dev1:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        yield return new("Mfa__Encryption__HashKey", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
    }
}
