using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace FunctionsMfa.Tests.Totp;

/// <summary>
/// Independent implementations to check against: <c>oathtool</c> (OATH Toolkit) computes TOTP codes, <c>rsvg-convert</c>
/// renders SVG and <c>zbarimg</c> decodes QR codes. Missing tools fail the test (build.sh installs them).
/// </summary>
internal static class ExternalTools
{
    /// <summary>The code <c>oathtool --totp</c> computes for <paramref name="base32Secret"/> at <paramref name="at"/>.</summary>
    public static string OathTotp(string base32Secret, DateTimeOffset at, int digits = 6) =>
        Run("oathtool", "--totp", "-b", "-d", digits.ToString(CultureInfo.InvariantCulture),
            "--now", "@" + at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), base32Secret).Trim();

    /// <summary>Renders an SVG data URI to PNG and returns what <c>zbarimg</c> reads from it.</summary>
    public static string DecodeQrDataUri(string dataUri)
    {
        const string prefix = "data:image/svg+xml;base64,";
        Assert.StartsWith(prefix, dataUri, StringComparison.Ordinal);
        var directory = Directory.CreateTempSubdirectory("totp-qr-");
        try
        {
            var svg = Path.Combine(directory.FullName, "qr.svg");
            var png = Path.Combine(directory.FullName, "qr.png");
            File.WriteAllBytes(svg, Convert.FromBase64String(dataUri[prefix.Length..]));
            Run("rsvg-convert", "--background-color", "white", "-o", png, svg);
            return Run("zbarimg", "--raw", "-q", png).TrimEnd('\n');
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{tool} exited with {process.ExitCode}: {error.Result}");
        return output.Result;
    }
}
