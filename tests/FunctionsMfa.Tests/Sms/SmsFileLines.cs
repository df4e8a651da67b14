using System.Text.Json;

namespace FunctionsMfa.Tests.Sms;

/// <summary>
/// Reads the File provider's output while the app may be writing it: only the lines that end in a newline. The provider
/// appends each line with one write, but a reader polling the file can still meet the last line half-written (seen
/// once in a bench run: a line cut after 71 bytes), and parsing that one would fail the test.
/// </summary>
internal static class SmsFileLines
{
    /// <summary>The complete lines so far, parsed; none when the file does not exist yet.</summary>
    public static IReadOnlyList<JsonElement> Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return [];
        }

        return [.. text[..(text.LastIndexOf('\n') + 1)]
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line =>
            {
                using var document = JsonDocument.Parse(line);
                return document.RootElement.Clone();
            })];
    }
}
