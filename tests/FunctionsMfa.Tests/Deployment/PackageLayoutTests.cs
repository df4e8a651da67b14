using System.IO.Compression;
using System.Text.Json.Nodes;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsMfa.Tests.Deployment;

/// <summary>
/// The deployable zip (<c>./build.sh publish</c>) against what the Functions host needs from a custom handler:
/// host.json naming an executable that is in the zip, request forwarding on, and one folder per function whose
/// function.json matches the running app's endpoint table.
/// </summary>
public sealed class PackageLayoutTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    private static readonly Lazy<Dictionary<string, ZipEntryContent>> Package = new(ReadPackage);

    [Fact]
    public void Host_json_names_an_executable_binary_that_is_in_the_package()
    {
        var host = HostJson();
        var executable = (string?)host["customHandler"]?["description"]?["defaultExecutablePath"];
        Assert.False(string.IsNullOrEmpty(executable), "customHandler.description.defaultExecutablePath is missing");
        Assert.True(Package.Value.TryGetValue(executable!, out var binary), $"{executable} is not in the package");

        // The host execs the file: it must keep its x bits, and be a Linux (ELF) binary.
        Assert.Equal(0b001_001_001, binary!.UnixMode & 0b001_001_001);
        Assert.Equal([0x7F, (byte)'E', (byte)'L', (byte)'F'], binary.Content.AsSpan(0, 4).ToArray());
    }

    [Fact]
    public void Host_json_forwards_http_requests_and_sets_the_queue_trigger_semantics()
    {
        var host = HostJson();
        Assert.Equal("2.0", (string?)host["version"]);
        Assert.True((bool?)host["customHandler"]?["enableForwardingHttpRequest"]);
        Assert.Equal(string.Empty, (string?)host["extensions"]?["http"]?["routePrefix"]);
        Assert.Equal(5, (int?)host["extensions"]?["queues"]?["maxDequeueCount"]);
        Assert.Equal("base64", (string?)host["extensions"]?["queues"]?["messageEncoding"]);
        Assert.Equal("Microsoft.Azure.Functions.ExtensionBundle", (string?)host["extensionBundle"]?["id"]);
    }

    [Fact]
    public void Package_has_one_folder_per_function_of_the_endpoint_table_with_the_same_bindings()
    {
        var sources = app.Services.GetServices<EndpointDataSource>();
        var expected = FunctionManifest.FromEndpoints(sources);
        Assert.NotEmpty(expected);

        var folders = Package.Value.Keys.Where(k => k.Contains('/', StringComparison.Ordinal))
            .Select(k => k[..k.IndexOf('/', StringComparison.Ordinal)]).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Select(f => f.Name).Order(StringComparer.Ordinal), folders);

        foreach (var function in expected)
        {
            var entry = $"{function.Name}/function.json";
            Assert.True(Package.Value.TryGetValue(entry, out var content), $"{entry} is missing");
            var actual = JsonNode.Parse(content!.Content);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(function.FunctionJson), actual),
                $"{entry} differs from the endpoint table: run ./build.sh publish\nexpected: {function.FunctionJson}\nactual: {actual}");
        }
    }

    [Fact]
    public async Task The_packaged_binary_runs_on_this_machine_and_writes_the_same_function_folders()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Fail("The package holds a linux-x64 binary: run this test on Linux.");
            return;
        }

        var executable = (string?)HostJson()["customHandler"]?["description"]?["defaultExecutablePath"];
        var work = Directory.CreateTempSubdirectory("mfa-package-");
        try
        {
            // Extracted as the platform does, mode included: the Native AOT binary runs without a .NET runtime or keys.
            var binary = Path.Combine(work.FullName, executable!);
            await File.WriteAllBytesAsync(binary, Package.Value[executable!].Content);
            File.SetUnixFileMode(binary, (UnixFileMode)Package.Value[executable!].UnixMode);
            var output = Path.Combine(work.FullName, "functions");
            var start = new System.Diagnostics.ProcessStartInfo(binary) { WorkingDirectory = work.FullName, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("--emit-functions");
            start.ArgumentList.Add(output);
            start.Environment.Clear();
            using var process = System.Diagnostics.Process.Start(start)!;
            var errors = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"the packaged binary failed: {await errors}");

            foreach (var (name, entry) in Package.Value.Where(e => e.Key.EndsWith("/function.json", StringComparison.Ordinal)))
            {
                var written = Path.Combine(output, name);
                Assert.True(File.Exists(written), $"the binary did not write {name}");
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse(entry.Content), JsonNode.Parse(await File.ReadAllTextAsync(written))), name);
            }

            Assert.Equal(
                Package.Value.Keys.Count(k => k.EndsWith("/function.json", StringComparison.Ordinal)),
                Directory.GetFiles(output, "function.json", SearchOption.AllDirectories).Length);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public void Every_function_json_is_one_the_host_can_load()
    {
        foreach (var (name, entry) in Package.Value.Where(e => e.Key.EndsWith("/function.json", StringComparison.Ordinal)))
        {
            var bindings = JsonNode.Parse(entry.Content)?["bindings"] as JsonArray;
            Assert.True(bindings is { Count: > 0 }, $"{name} has no bindings");
            var triggers = bindings!.Where(b => ((string?)b?["type"])?.EndsWith("Trigger", StringComparison.Ordinal) == true).ToList();
            var trigger = Assert.Single(triggers);
            Assert.Equal("in", (string?)trigger!["direction"]);
            Assert.False(string.IsNullOrEmpty((string?)trigger["name"]), $"{name}: the trigger has no name");
            switch ((string?)trigger["type"])
            {
                case "httpTrigger":
                    // Forwarding needs exactly one httpTrigger in and one http out, and nothing else.
                    Assert.Equal(2, bindings.Count);
                    var output = Assert.Single(bindings, b => (string?)b?["type"] == "http");
                    Assert.Equal("out", (string?)output!["direction"]);
                    Assert.Equal("anonymous", (string?)trigger["authLevel"]);
                    var methods = (trigger["methods"] as JsonArray)?.Select(m => (string?)m).ToList() ?? [];
                    Assert.NotEmpty(methods);
                    Assert.All(methods, m => Assert.Contains(m, new[] { "get", "post", "put", "patch", "delete", "head", "options" }));
                    var route = (string?)trigger["route"];
                    Assert.False(string.IsNullOrEmpty(route), $"{name}: no route");
                    Assert.False(route!.StartsWith('/'), $"{name}: the route must be relative to the (empty) route prefix");
                    break;
                case "queueTrigger":
                    Assert.Single(bindings);
                    Assert.False(string.IsNullOrEmpty((string?)trigger["queueName"]), $"{name}: no queueName");
                    Assert.Equal("AzureWebJobsStorage", (string?)trigger["connection"]);
                    break;
                default:
                    Assert.Fail($"{name}: unexpected trigger {trigger["type"]}");
                    break;
            }
        }
    }

    [Fact]
    public void Package_holds_nothing_but_the_binary_host_json_and_function_folders()
    {
        var executable = (string?)HostJson()["customHandler"]?["description"]?["defaultExecutablePath"];
        foreach (var name in Package.Value.Keys)
        {
            Assert.True(name == executable || name == "host.json" || (name.EndsWith("/function.json", StringComparison.Ordinal) && name.Count(c => c == '/') == 1),
                $"unexpected file in the package: {name} (no settings, symbols or sources belong in it)");
        }
    }

    private static JsonNode HostJson()
    {
        Assert.True(Package.Value.TryGetValue("host.json", out var entry), "host.json is not at the root of the package");
        return JsonNode.Parse(entry!.Content)!;
    }

    private static Dictionary<string, ZipEntryContent> ReadPackage()
    {
        var path = RepositoryFiles.PathOf("artifacts", "functionsmfa.zip");
        Assert.True(File.Exists(path), $"{path} is missing: run ./build.sh publish (./build.sh test does it when the package is stale).");
        using var zip = ZipFile.OpenRead(path);
        var entries = new Dictionary<string, ZipEntryContent>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries.Where(e => !e.FullName.EndsWith('/')))
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            entries.Add(entry.FullName, new ZipEntryContent(buffer.ToArray(), (entry.ExternalAttributes >> 16) & 0xFFF));
        }

        return entries;
    }

    private sealed record ZipEntryContent(byte[] Content, int UnixMode);
}
