using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Tests.Deployment;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Hosting;

/// <summary>
/// The functions as the Worker SDK generated their metadata (<c>functions.metadata</c> in the build output, what Azure's
/// host lists), against the README's route table: a newcomer who reads the table finds each method's function, file,
/// route and verbs, and nothing is missing from either side.
/// </summary>
public sealed partial class FunctionMetadataTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    private sealed record Declared(string Name, string Verbs, string Route, string File);

    private static List<JsonElement> Metadata()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(HostProcess.BuiltApp, "functions.metadata")));
        return [.. document.RootElement.EnumerateArray().Select(f => f.Clone())];
    }

    private static JsonElement Trigger(JsonElement function) =>
        function.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("direction").GetString() == "In");

    private static List<Declared> Readme() =>
        [.. RouteRow().Matches(File.ReadAllText(RepositoryFiles.PathOf("README.md")))
            .Select(m => new Declared(m.Groups["name"].Value, m.Groups["verbs"].Value, m.Groups["route"].Value, m.Groups["file"].Value))];

    [GeneratedRegex(@"^\| \[(?<name>\w+)\]\((?<file>src/Functions/[^)]+)\) \| (?<verbs>[A-Z, ]+|queue) \| `/?(?<route>[^`]+)` \|", RegexOptions.Multiline)]
    private static partial Regex RouteRow();

    [Fact]
    public void Every_documented_method_has_exactly_one_function_with_its_route_and_verbs_in_the_file_named_after_it()
    {
        var metadata = Metadata();
        var documented = Readme();
        Assert.True(documented.Count >= 25, $"the README's route table has only {documented.Count} rows");
        Assert.Equal(documented.Count, documented.Select(d => d.Name).Distinct().Count());

        foreach (var row in documented)
        {
            var function = Assert.Single(metadata, f => f.GetProperty("name").GetString() == row.Name);
            var trigger = Trigger(function);
            if (row.Verbs == "queue")
            {
                Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
                Assert.Equal(row.Route, trigger.GetProperty("queueName").GetString());
            }
            else
            {
                Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
                Assert.Equal(row.Route, trigger.GetProperty("route").GetString());
                Assert.Equal(row.Verbs, string.Join(", ", trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant())));
            }

            // The file is named after the function and holds it: the entry point is <namespace>.<Name>.Run.
            Assert.Equal(row.Name + ".cs", Path.GetFileName(row.File));
            Assert.EndsWith("." + row.Name + ".Run", function.GetProperty("entryPoint").GetString(), StringComparison.Ordinal);
            Assert.Contains($"[Function(nameof({row.Name}))]", File.ReadAllText(RepositoryFiles.PathOf(row.File)), StringComparison.Ordinal);
        }

        // Nothing the README does not list, except the catch-all that answers unknown paths in the envelope.
        var undocumented = metadata.Select(f => f.GetProperty("name").GetString()!).Except(documented.Select(d => d.Name)).ToList();
        Assert.Equal([NoRoute.Name], undocumented);
    }

    [Fact]
    public void The_queue_function_names_sms_codes_and_no_two_http_functions_take_the_same_verb_on_one_route()
    {
        var metadata = Metadata();
        Assert.Equal("sms-codes", Trigger(Assert.Single(metadata, f => Trigger(f).GetProperty("type").GetString() == "queueTrigger")).GetProperty("queueName").GetString());
        var pairs = metadata.Select(Trigger).Where(t => t.GetProperty("type").GetString() == "httpTrigger")
            .SelectMany(t => t.GetProperty("methods").EnumerateArray().Select(m => (Route: t.GetProperty("route").GetString(), Verb: m.GetString()))).ToList();
        Assert.Equal(pairs.Count, pairs.Distinct().Count());
    }

    [Fact]
    public void The_catalog_the_middleware_reads_is_the_generated_metadata()
    {
        var http = Metadata().Where(f => Trigger(f).GetProperty("type").GetString() == "httpTrigger")
            .Select(f => (f.GetProperty("name").GetString()!, Trigger(f).GetProperty("route").GetString()!)).Order().ToList();
        Assert.Equal(http, FunctionCatalog.Http.Select(f => (f.Name, f.Route)).Order().ToList());
    }

    [Fact]
    public async Task Every_documented_verb_reaches_its_function_through_the_host_and_a_tunnelled_verb_reaches_its_own()
    {
        using var client = app.CreateClient();
        foreach (var function in FunctionCatalog.Http.Where(f => f.Name != NoRoute.Name))
        {
            var path = "/" + RouteValue().Replace(function.Route, "x");
            foreach (var verb in function.OwnMethods)
            {
                using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(verb), path) { Content = verb == "GET" ? null : new StringContent("{}", System.Text.Encoding.UTF8, "application/json") });
                Assert.NotEqual(HttpStatusCode.MethodNotAllowed, response.StatusCode);
                Assert.True((int)response.StatusCode < 500, $"{verb} {path}: {(int)response.StatusCode}");
                Assert.NotEqual(0, response.Content.Headers.ContentLength ?? -1);
            }

            if (function.OwnMethods is ["DELETE" or "PATCH" or "PUT"])
            {
                using var tunnelled = await client.PostAsync($"{path}?_method={function.OwnMethods[0]}", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
                Assert.NotEqual(HttpStatusCode.MethodNotAllowed, tunnelled.StatusCode);
                Assert.True((int)tunnelled.StatusCode < 500, $"POST ?_method={function.OwnMethods[0]} {path}: {(int)tunnelled.StatusCode}");
            }
        }
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteValue();
}
