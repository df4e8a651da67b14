using System.Diagnostics;

namespace FunctionsMfa.Tests.Deployment;

/// <summary>Paths in the repository, and the Bicep CLI from its NuGet package (restored by tools/Bicep/Bicep.proj).</summary>
internal static class RepositoryFiles
{
    public const string BicepVersion = "0.49.2";

    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string BicepPath
    {
        get
        {
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            if (string.IsNullOrEmpty(packages))
            {
                packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            }

            return Path.Combine(packages, "azure.bicep.commandline.linux-x64", BicepVersion, "tools", "bicep");
        }
    }

    /// <summary>
    /// The ARM template compiled from infra/main.bicep: the one <c>./build.sh test</c> wrote, or a fresh build when it is
    /// missing or older than a Bicep file. Without the Bicep CLI this fails (it never skips).
    /// </summary>
    public static string CompiledTemplatePath()
    {
        var template = PathOf("artifacts", "infra", "main.json");
        var newestSource = Directory.EnumerateFiles(PathOf("infra"), "*.bicep", SearchOption.AllDirectories).Max(File.GetLastWriteTimeUtc);
        if (File.Exists(template) && File.GetLastWriteTimeUtc(template) >= newestSource)
        {
            return template;
        }

        var bicep = BicepPath;
        Assert.True(File.Exists(bicep), $"The Bicep CLI is missing at {bicep}: run `./build.sh test` (or `dotnet restore tools/Bicep/Bicep.proj`).");
        Directory.CreateDirectory(Path.GetDirectoryName(template)!);
        var start = new ProcessStartInfo(bicep) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        foreach (var argument in new[] { "build", PathOf("infra", "main.bicep"), "--outfile", template })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"bicep build failed: {output.Result}");
        return template;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FunctionsMfa.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("FunctionsMfa.sln not found above the test binaries.");
    }
}
