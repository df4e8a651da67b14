using System.Net;
using System.Text;
using FunctionsHost.Tests.Infrastructure;

namespace FunctionsHost.Tests;

[Collection(HelloHostCollection.Name)]
public sealed class HttpTriggerTests(HelloHostFixture fixture) : IDisposable
{
    private readonly HttpClient client = fixture.Host.CreateClient();

    public void Dispose() => client.Dispose();

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    public async Task Function_is_reached_by_its_route_template_under_the_route_prefix(string method)
    {
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "api/hello/ada"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"Hello, ada! ({method})", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("api/nothing")]
    [InlineData("api/hello")]
    [InlineData("hello/ada")]
    [InlineData("api/hello/ada/more")]
    public async Task Unknown_route_is_404(string path)
    {
        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("DELETE", "api/hello/ada")]
    [InlineData("POST", "api/settings/HELLO_BOTH")]
    public async Task Verb_the_function_does_not_take_is_404_as_in_the_Azure_host(string method, string path)
    {
        // The Azure host routes with an HttpMethodRouteConstraint: a wrong verb does not match the route at all.
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Headers_query_and_body_reach_the_worker_and_its_headers_come_back()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/echo?q=a%20b")
        {
            Content = new StringContent("{\"hello\":\"world\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Hello", "there");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("POST|a b|there|{\"hello\":\"world\"}", await response.Content.ReadAsStringAsync());
        Assert.Equal("there", Assert.Single(response.Headers.GetValues("X-Echo-Hello")));
    }

    [Fact]
    public async Task Function_that_throws_is_500()
    {
        // The worker's own listener answers 200 with an empty body; the failure comes in the InvocationResponse.
        using var response = await client.GetAsync("api/throw");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_client_invocation_id_header_does_not_steer_the_pairing()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/hello/eve");
        request.Headers.Add("x-ms-invocation-id", Guid.NewGuid().ToString());

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Concurrent_requests_each_get_their_own_response()
    {
        var names = Enumerable.Range(0, 16).Select(i => $"n{i}").ToArray();

        var bodies = await Task.WhenAll(names.Select(name => client.GetStringAsync($"api/hello/{name}")));

        Assert.Equal(names.Select(n => $"Hello, {n}! (GET)"), bodies);
    }

    [Fact]
    public async Task Environment_wins_over_local_settings()
    {
        Assert.Equal("settings", await client.GetStringAsync("api/settings/HELLO_FROM_SETTINGS"));
        Assert.Equal("environment", await client.GetStringAsync("api/settings/HELLO_BOTH"));
    }

    [Fact]
    public async Task Cors_preflight_is_answered_from_the_cors_argument()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "api/echo");
        preflight.Headers.Add("Origin", HelloHostFixture.AllowedOrigin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "x-hello");

        using var response = await client.SendAsync(preflight);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HelloHostFixture.AllowedOrigin, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("POST", string.Join(',', response.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cors_headers_are_not_given_to_other_origins()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/hello/ada");
        request.Headers.Add("Origin", "https://evil.example");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Actual_cors_request_from_the_allowed_origin_gets_the_header()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/hello/ada");
        request.Headers.Add("Origin", HelloHostFixture.AllowedOrigin);

        using var response = await client.SendAsync(request);

        Assert.Equal(HelloHostFixture.AllowedOrigin, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
    }
}
