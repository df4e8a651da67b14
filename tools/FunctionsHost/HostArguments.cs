using System.Globalization;

namespace FunctionsMfa.LocalHost;

/// <summary>
/// The command line, as <c>func start</c> takes it where the two overlap: <c>--port N</c>, <c>--cors ORIGINS</c>,
/// <c>--cors-credentials</c>; and <c>--script-root DIR</c>, the function app directory (the worker's build or publish
/// output; <c>func</c> builds the project itself, this host runs what is built). Unknown arguments are an error, not
/// ignored, so a typo does not silently run with defaults.
/// </summary>
internal sealed record HostArguments(string ScriptRoot, int? Port, string? Cors, bool CorsCredentials)
{
    public static HostArguments Parse(IReadOnlyList<string> args)
    {
        string scriptRoot = Directory.GetCurrentDirectory();
        int? port = null;
        string? cors = null;
        var credentials = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--script-root":
                    scriptRoot = Path.GetFullPath(Value(args, ++i, "--script-root"));
                    break;
                case "--port" or "-p":
                    port = int.Parse(Value(args, ++i, "--port"), NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                case "--cors":
                    cors = Value(args, ++i, "--cors");
                    break;
                case "--cors-credentials":
                    credentials = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: --script-root DIR [--port N] [--cors ORIGINS] [--cors-credentials]");
            }
        }

        return new HostArguments(scriptRoot, port, cors, credentials);
    }

    private static string Value(IReadOnlyList<string> args, int index, string name) =>
        index < args.Count ? args[index] : throw new ArgumentException($"{name} needs a value.");
}
