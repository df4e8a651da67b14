using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using FunctionsMfa.Functions.Health;
using FunctionsMfa.Functions.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsMfa.Tests.Hosting;

/// <summary>
/// The function folders the package ships are generated from the endpoint table; these tests fail when the two
/// disagree: a route without a function, a function the handler does not route, two functions on one route and verb.
/// </summary>
public sealed partial class FunctionManifestDriftTests(EndpointEchoAppFactory app) : IClassFixture<EndpointEchoAppFactory>
{
    /// <summary>The Functions host's rule for a function name (it is also the folder name); compared case-insensitively.</summary>
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,127}$")]
    private static partial Regex ValidFunctionName();

    [GeneratedRegex(@"\{\*{0,2}([^}:=?]+)([^}]*)\}")]
    private static partial Regex RouteParameter();

    private List<RouteEndpoint> Endpoints() =>
        [.. app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()];

    private IReadOnlyList<FunctionDefinition> Functions() =>
        FunctionManifest.FromEndpoints([app.Services.GetRequiredService<EndpointDataSource>()]);

    private sealed record HttpBinding(string Name, string Route, string[] Methods);

    private static HttpBinding? HttpTrigger(FunctionDefinition function)
    {
        using var json = JsonDocument.Parse(function.FunctionJson);
        var bindings = json.RootElement.GetProperty("bindings");
        var trigger = bindings.EnumerateArray().SingleOrDefault(b => b.GetProperty("type").GetString() == "httpTrigger");
        if (trigger.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }

        // Forwarding (enableForwardingHttpRequest) needs exactly one httpTrigger in and one http out.
        Assert.Equal(2, bindings.GetArrayLength());
        var output = bindings.EnumerateArray().Single(b => b.GetProperty("type").GetString() == "http");
        Assert.Equal("out", output.GetProperty("direction").GetString());
        Assert.Equal("in", trigger.GetProperty("direction").GetString());
        Assert.Equal("anonymous", trigger.GetProperty("authLevel").GetString());
        return new HttpBinding(
            function.Name,
            trigger.GetProperty("route").GetString()!,
            [.. trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!)]);
    }

    private static string[] Methods(Endpoint endpoint) => [.. endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []];

    [Fact]
    public void Every_route_endpoint_except_the_host_probe_has_a_unique_valid_function_name()
    {
        var endpoints = Endpoints();
        var unnamed = endpoints
            .Where(e => e.Metadata.GetMetadata<IEndpointNameMetadata>() is null && e.Metadata.GetMetadata<QueueFunctionMetadata>() is null)
            .Select(e => e.RoutePattern.RawText)
            .ToList();
        Assert.Equal(["/"], unnamed);
        Assert.NotNull(endpoints.Single(e => e.RoutePattern.RawText == "/").Metadata.GetMetadata<NotAFunction>());

        var names = Functions().Select(f => f.Name).ToList();
        Assert.All(names, name => Assert.Matches(ValidFunctionName(), name));
        var duplicates = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, "Function names used twice: " + string.Join(", ", duplicates));
    }

    [Fact]
    public void Exactly_one_function_per_named_route_endpoint_and_per_queue_function()
    {
        var endpoints = Endpoints();
        var expected = endpoints
            .Where(e => e.Metadata.GetMetadata<NotAFunction>() is null)
            .Select(e => e.Metadata.GetMetadata<QueueFunctionMetadata>()?.Name ?? e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName)
            .Order(StringComparer.Ordinal)
            .ToList();
        var functions = Functions();
        Assert.Equal(expected, functions.Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.Contains(RecordingQueueFunction.FunctionName, expected);
        Assert.Contains("Health", expected);

        foreach (var function in functions)
        {
            var endpoint = endpoints.Single(e =>
                e.Metadata.GetMetadata<QueueFunctionMetadata>()?.Name == function.Name ||
                e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == function.Name);
            if (endpoint.Metadata.GetMetadata<QueueFunctionMetadata>() is { } queue)
            {
                using var json = JsonDocument.Parse(function.FunctionJson);
                var trigger = Assert.Single(json.RootElement.GetProperty("bindings").EnumerateArray());
                Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
                Assert.Equal(queue.BindingName, trigger.GetProperty("name").GetString());
                Assert.Equal(queue.QueueName, trigger.GetProperty("queueName").GetString());
                Assert.Equal("AzureWebJobsStorage", trigger.GetProperty("connection").GetString());
                Assert.Equal("/" + queue.Name, endpoint.RoutePattern.RawText);
                Assert.Equal(["POST"], Methods(endpoint));
                continue;
            }

            var http = HttpTrigger(function)!;
            Assert.Equal(endpoint.RoutePattern.RawText!.Trim('/'), http.Route);
            Assert.False(http.Route.StartsWith("admin", StringComparison.OrdinalIgnoreCase), "The host reserves routes under admin/.");
            var own = Methods(endpoint).Select(m => m.ToLowerInvariant()).ToList();
            Assert.NotEmpty(own);
            Assert.All(own, m => Assert.Contains(m, http.Methods));
            Assert.All(http.Methods.Except(own), extra => Assert.Equal("post", extra));
        }
    }

    [Fact]
    public void No_two_functions_share_a_route_and_verb_and_every_tunnelled_verb_has_a_post_function()
    {
        var http = Functions().Select(HttpTrigger).OfType<HttpBinding>().ToList();
        var pairs = http.SelectMany(f => f.Methods.Select(m => (Route: NormalizeRoute(f.Route), Method: m, f.Name))).ToList();
        var clashes = pairs.GroupBy(p => (p.Route, p.Method)).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.Method} {g.Key.Route}: {string.Join(", ", g.Select(p => p.Name))}").ToList();
        Assert.True(clashes.Count == 0, "The host cannot choose between functions: " + string.Join("; ", clashes));

        foreach (var (route, method, name) in pairs.Where(p => p.Method is "delete" or "patch" or "put"))
        {
            Assert.True(pairs.Any(p => p.Route == route && p.Method == "post"), $"{name}: no function takes POST on {route} for ?_method={method}.");
        }
    }

    [Fact]
    public void A_route_with_both_patch_and_delete_gets_post_on_exactly_one_of_them()
    {
        static RouteEndpoint Endpoint(string pattern, string method, string name) =>
            (RouteEndpoint)new RouteEndpointBuilder(_ => Task.CompletedTask, RoutePatternFactory.Parse(pattern), 0)
            {
                Metadata = { new HttpMethodMetadata([method]), new EndpointNameMetadata(name) },
            }.Build();

        var source = new DefaultEndpointDataSource(
            Endpoint("/v1/things/{id}", "PATCH", "UpdateThing"),
            Endpoint("/v1/things/{id}", "DELETE", "DeleteThing"),
            Endpoint("/v1/things/{id}", "GET", "GetThing"),
            Endpoint("/v1/others/{id}", "POST", "PostOther"),
            Endpoint("/v1/others/{id}", "DELETE", "DeleteOther"));

        var functions = FunctionManifest.FromEndpoints([source]).Select(HttpTrigger).OfType<HttpBinding>().ToDictionary(f => f.Name);

        Assert.Equal(1, new[] { "UpdateThing", "DeleteThing", "GetThing" }.Count(n => functions[n].Methods.Contains("post")));
        Assert.DoesNotContain("post", functions["GetThing"].Methods);
        Assert.Equal(["delete"], functions["DeleteOther"].Methods);
        Assert.Equal(["post"], functions["PostOther"].Methods);
    }

    [Fact]
    public async Task Every_function_verb_reaches_its_endpoint_through_the_app()
    {
        var endpoints = Endpoints();
        var client = app.BackendClient();
        var failures = new List<string>();
        foreach (var function in Functions())
        {
            if (HttpTrigger(function) is not { } http)
            {
                // A queue function: the host posts to /{FunctionName}.
                var queueResponse = await client.PostAsync("/" + function.Name, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
                Check(queueResponse, "POST", "/" + function.Name, function.Name);
                continue;
            }

            var path = "/" + RouteParameter().Replace(http.Route, m => m.Groups[2].Value.Contains("int", StringComparison.Ordinal) ? "1" : "dummy1");
            var own = Methods(endpoints.Single(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == function.Name));
            foreach (var method in http.Methods.Select(m => m.ToUpperInvariant()))
            {
                if (own.Contains(method))
                {
                    Check(await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)), method, path, function.Name);
                    continue;
                }

                // A verb added for the _method tunnel: each tunnelled verb on this route must reach its own endpoint.
                var tunnelled = endpoints.Where(e => NormalizeRoute(e.RoutePattern.RawText!) == NormalizeRoute(http.Route))
                    .SelectMany(e => Methods(e).Where(m => m is "DELETE" or "PATCH" or "PUT").Select(m => (Verb: m, Name: EndpointEchoStartupFilter.Describe(e))))
                    .ToList();
                Assert.NotEmpty(tunnelled);
                foreach (var (verb, name) in tunnelled)
                {
                    var response = await client.PostAsync($"{path}?_method={verb}", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
                    Check(response, $"POST ?_method={verb}", path, name);
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));

        void Check(HttpResponseMessage response, string method, string path, string expected)
        {
            var reached = response.Headers.TryGetValues(EndpointEchoStartupFilter.Header, out var values) ? values.Single() : "(no echo)";
            if (reached != expected || (int)response.StatusCode >= 500)
            {
                failures.Add($"{method} {path}: expected endpoint {expected}, routing chose {reached} ({(int)response.StatusCode})");
            }
        }
    }

    [Fact]
    public async Task The_emit_functions_command_writes_the_same_functions_without_storage_or_keys()
    {
        var output = Directory.CreateTempSubdirectory("mfa-functions-");
        var workingDirectory = Directory.CreateTempSubdirectory("mfa-emit-cwd-");
        try
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                ArgumentList = { Path.Combine(AppContext.BaseDirectory, "FunctionsMfa.Functions.dll"), "--emit-functions", output.FullName },
                WorkingDirectory = workingDirectory.FullName,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Mfa", StringComparison.OrdinalIgnoreCase) ||
                k.StartsWith("AzureWebJobs", StringComparison.OrdinalIgnoreCase) || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                start.Environment.Remove(key);
            }

            // Storage that is not there: emitting must not touch it.
            start.Environment["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" +
                "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
                "QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;";

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"--emit-functions exited {process.ExitCode}: {await stdout}\n{await stderr}");

            // The app under test has one extra queue function of the tests; the rest must match file for file.
            var expected = Functions().Where(f => f.Name != RecordingQueueFunction.FunctionName).ToDictionary(f => f.Name, f => f.FunctionJson);
            var emitted = output.GetDirectories().ToDictionary(d => d.Name, d => File.ReadAllText(Path.Combine(d.FullName, "function.json")));
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), emitted.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, json) in expected)
            {
                Assert.Equal(json, emitted[name]);
            }

            Assert.Empty(output.GetFiles());
        }
        finally
        {
            output.Delete(recursive: true);
            workingDirectory.Delete(recursive: true);
        }
    }

    /// <summary>Routes compared by shape: parameter names do not matter to the host's matching.</summary>
    private static string NormalizeRoute(string route) => RouteParameter().Replace(route.Trim('/'), "{}");
}
