using System.Net;
using System.Net.Http.Headers;
using System.Text;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Foundation;

/// <summary>Bodies that are odd rather than wrong, and bodies that are wrong in ways parsers get wrong: a 4xx in the envelope, never a 500.</summary>
public sealed class WireEdgeCaseTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    private static ByteArrayContent Bytes(byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    [Fact]
    public async Task Invalid_utf8_in_a_form_body_is_a_400()
    {
        var body = Encoding.ASCII.GetBytes("user_id=abc").Concat(new byte[] { 0xC3, 0x28 }).ToArray();
        var response = await app.BackendClient().PostAsync("/v1/sign_ins", Bytes(body, "application/x-www-form-urlencoded"));
        await response.ErrorAsync(400, "request_body_invalid");
    }

    [Fact]
    public async Task Invalid_utf8_in_a_json_body_is_a_400()
    {
        var body = Encoding.ASCII.GetBytes("{\"user_id\":\"ab").Concat(new byte[] { 0xFF, 0xFE }).Concat(Encoding.ASCII.GetBytes("\"}")).ToArray();
        var response = await app.BackendClient().PostAsync("/v1/sign_ins", Bytes(body, "application/json"));
        await response.ErrorAsync(400, "request_body_invalid");
    }

    [Fact]
    public async Task A_percent_encoded_byte_that_is_not_utf8_never_becomes_a_user_id()
    {
        var response = await app.BackendClient().PostAsync("/v1/sign_ins", Bytes(Encoding.ASCII.GetBytes("user_id=%FF%FE"), "application/x-www-form-urlencoded"));
        await response.ErrorAsync(422, "form_param_format_invalid");
    }

    [Fact]
    public async Task A_one_megabyte_form_body_is_a_413()
    {
        var response = await app.BackendClient().PostAsync("/v1/sign_ins", Wire.Form(("user_id", new string('a', 1024 * 1024))));
        await response.ErrorAsync(413, "request_body_too_large");
    }

    [Theory]
    [InlineData(true, 413, "request_body_too_large")]
    [InlineData(false, 401, "authentication_invalid")]
    public async Task Chunked_bodies_of_megabytes_are_each_answered_and_the_connection_to_the_worker_survives_them(bool backend, int status, string code)
    {
        // With the backend key the function reads 16 KiB and answers 413; without, it is refused before a byte is
        // read. Either way the rest must be drained, not cut off: a worker that aborted the connection with bytes in
        // flight made the host lose that answer (a 502) or its next request (a 500).
        using var client = backend ? app.BackendClient() : app.CreateClient();
        for (var i = 0; i < 20; i++)
        {
            var response = await client.SendAsync(ChunkedPost("/v1/sign_ins", 2 * 1024 * 1024));
            await response.ErrorAsync(status, code);
        }

        var after = await app.BackendClient().PostAsync("/v1/sign_ins", Wire.Form(("user_id", Wire.NewUserId())));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private static HttpRequestMessage ChunkedPost(string path, int bytes)
    {
        var content = new StreamContent(new MemoryStream(new byte[bytes]));
        content.Headers.ContentType = new("application/x-www-form-urlencoded");
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        return request;
    }

    [Fact]
    public async Task Json_with_a_byte_order_mark_is_read_like_json_without_one()
    {
        // RFC 8259 §8.1: a parser MAY ignore a BOM; System.Text.Json's document parser does, so clients that add one work.
        var userId = Wire.NewUserId();
        var body = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes($"{{\"user_id\":\"{userId}\"}}")).ToArray();
        var response = await app.BackendClient().PostAsync("/v1/sign_ins", Bytes(body, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("complete", (await response.JsonAsync()).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task An_empty_body_where_a_parameter_is_required_names_the_missing_parameter(string? contentType)
    {
        var content = new ByteArrayContent([]);
        if (contentType is not null)
        {
            content.Headers.ContentType = new(contentType);
        }

        var response = await app.BackendClient().PostAsync("/v1/sign_ins", content);
        var error = await response.ErrorAsync(422, "form_param_missing");
        Assert.Equal("user_id", error.GetProperty("meta").GetProperty("param_name").GetString());
    }

    [Fact]
    public async Task A_json_null_for_a_required_parameter_is_missing()
    {
        var response = await app.BackendClient().PostAsync("/v1/sign_ins", new StringContent("{\"user_id\":null}", Encoding.UTF8, "application/json"));
        await response.ErrorAsync(422, "form_param_missing");
    }

    [Fact]
    public async Task A_repeated_form_parameter_is_a_400()
    {
        var response = await app.BackendClient().PostAsync("/v1/sign_ins", Bytes(Encoding.ASCII.GetBytes("user_id=a&user_id=b"), "application/x-www-form-urlencoded"));
        await response.ErrorAsync(400, "request_body_invalid");
    }

    [Fact]
    public async Task An_unknown_form_parameter_is_refused_with_its_name()
    {
        var response = await app.BackendClient().PostAsync("/v1/sign_ins", Wire.Form(("user_id", Wire.NewUserId()), ("role", "admin")));
        var error = await response.ErrorAsync(422, "form_param_unknown");
        Assert.Equal("role", error.GetProperty("meta").GetProperty("param_name").GetString());
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON")]
    public async Task Json_content_type_parameters_and_case_do_not_matter(string contentType)
    {
        var body = Encoding.UTF8.GetBytes($"{{\"user_id\":\"{Wire.NewUserId()}\"}}");
        var response = await app.BackendClient().PostAsync("/v1/sign_ins", Bytes(body, contentType));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/xml")]
    [InlineData("application/json-patch+json")]
    public async Task Other_content_types_are_a_415(string contentType)
    {
        var response = await app.BackendClient().PostAsync("/v1/sign_ins", Bytes(Encoding.UTF8.GetBytes("user_id=abc"), contentType));
        await response.ErrorAsync(415, "unsupported_media_type");
    }
}
