using System.Net;
using System.Text;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Foundation;

public sealed class WireConventionTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Fact]
    public async Task Health_answers_200_without_a_credential()
    {
        var response = await app.CreateClient().GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", (await response.JsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_in_the_envelope()
    {
        var response = await app.CreateClient().GetAsync("/v1/nothing_here");
        await response.ErrorAsync(404, "resource_not_found");
    }

    [Fact]
    public async Task A_wrong_verb_is_a_405_in_the_envelope()
    {
        var response = await app.BackendClient().PutAsync("/v1/sign_ins", Wire.Json(new { user_id = "u1" }));
        await response.ErrorAsync(405, "method_not_allowed");
    }

    [Fact]
    public async Task Malformed_json_is_a_400_in_the_envelope()
    {
        var response = await app.BackendClient().PostAsync("/v1/sign_ins", new StringContent("{\"user_id\": ", Encoding.UTF8, "application/json"));
        await response.ErrorAsync(400, "request_body_invalid");
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("{\"user_id\":{\"nested\":1}}")]
    [InlineData("{\"user_id\":\"a\",\"user_id\":\"b\"}")]
    [InlineData("{\"user_id\":\"a\"} trailing")]
    public async Task Json_that_is_not_one_flat_object_is_refused(string body)
    {
        var response = await app.BackendClient().PostAsync("/v1/sign_ins", new StringContent(body, Encoding.UTF8, "application/json"));
        await response.ErrorAsync(400, "request_body_invalid");
    }

    [Fact]
    public async Task A_wrong_content_type_is_a_415_in_the_envelope()
    {
        var response = await app.BackendClient().PostAsync("/v1/sign_ins", new StringContent("user_id=u1", Encoding.UTF8, "text/plain"));
        await response.ErrorAsync(415, "unsupported_media_type");
    }

    [Fact]
    public async Task A_one_megabyte_body_is_a_413_in_the_envelope()
    {
        var big = "{\"user_id\":\"" + new string('a', 1024 * 1024) + "\"}";
        var response = await app.BackendClient().PostAsync("/v1/sign_ins", new StringContent(big, Encoding.UTF8, "application/json"));
        await response.ErrorAsync(413, "request_body_too_large");
    }

    [Fact]
    public async Task A_chunked_body_over_16_KiB_is_a_413_in_the_envelope()
    {
        var big = "{\"user_id\":\"" + new string('a', 20 * 1024) + "\"}";
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        content.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sign_ins") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        var response = await app.BackendClient().SendAsync(request);
        await response.ErrorAsync(413, "request_body_too_large");
    }

    [Fact]
    public async Task An_unknown_parameter_is_refused_with_its_name()
    {
        var response = await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = Wire.NewUserId(), is_admin = true });
        var error = await response.ErrorAsync(422, "form_param_unknown");
        Assert.Equal("is_admin", error.GetProperty("meta").GetProperty("param_name").GetString());
    }

    [Fact]
    public async Task A_missing_parameter_is_refused_with_its_name()
    {
        var response = await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_label = "x" });
        var error = await response.ErrorAsync(422, "form_param_missing");
        Assert.Equal("user_id", error.GetProperty("meta").GetProperty("param_name").GetString());
    }

    [Fact]
    public async Task A_form_body_is_read_like_json()
    {
        var userId = Wire.NewUserId();
        var response = await app.BackendClient().PostAsync("/v1/sign_ins", Wire.Form(("user_id", userId)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("complete", (await response.JsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Method_tunnelling_routes_a_post_as_the_named_verb()
    {
        // PUT is tunnelled but no route takes it: the 405 proves the verb was rewritten before routing.
        var response = await app.BackendClient().PostAsync("/v1/sign_ins?_method=PUT", Wire.Json(new { user_id = "u1" }));
        await response.ErrorAsync(405, "method_not_allowed");
    }

    [Fact]
    public async Task Cors_allows_a_configured_origin_and_no_other()
    {
        var client = app.CreateClient();
        var allowed = new HttpRequestMessage(HttpMethod.Options, "/v1/me");
        allowed.Headers.Add("Origin", "https://app.example");
        allowed.Headers.Add("Access-Control-Request-Method", "POST");
        allowed.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        var allowedResponse = await client.SendAsync(allowed);
        Assert.Equal("https://app.example", allowedResponse.Headers.GetValues("Access-Control-Allow-Origin").Single());

        var denied = new HttpRequestMessage(HttpMethod.Options, "/v1/me");
        denied.Headers.Add("Origin", "https://evil.example");
        denied.Headers.Add("Access-Control-Request-Method", "POST");
        var deniedResponse = await client.SendAsync(denied);
        Assert.False(deniedResponse.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task The_openapi_document_describes_every_route()
    {
        var response = await app.CreateClient().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = (await response.JsonAsync()).GetProperty("paths");

        // Every HTTP function is documented with each of its own verbs; the document itself and the catch-all are not.
        var functions = FunctionsMfa.Functions.Hosting.FunctionCatalog.Http
            .Where(f => f.Name is not ("GetOpenApi" or FunctionsMfa.Functions.Hosting.NoRoute.Name)).ToList();
        Assert.True(functions.Count >= 20, $"only {functions.Count} functions");
        foreach (var function in functions)
        {
            var path = "/" + function.Route;
            Assert.True(paths.TryGetProperty(path, out var item), $"OpenAPI lacks {path}");
            foreach (var verb in function.OwnMethods)
            {
                Assert.True(item.TryGetProperty(verb.ToLowerInvariant(), out _), $"OpenAPI lacks {verb} {path}");
            }
        }
    }
}
