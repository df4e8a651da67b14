using System.Net;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Totp;

/// <summary>The routes as the Functions host and API clients see them.</summary>
public sealed class TotpRouteTableTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Fact]
    public void Each_route_is_a_named_function()
    {
        var functions = FunctionCatalog.Http.ToDictionary(f => f.Name, StringComparer.Ordinal);

        Assert.Equal(("v1/me/totp", "POST"), (functions["CreateTotp"].Route, Assert.Single(functions["CreateTotp"].Methods)));
        Assert.Equal(("v1/me/totp/attempt_verification", "POST"), (functions["VerifyTotp"].Route, Assert.Single(functions["VerifyTotp"].Methods)));
        Assert.Equal(("v1/me/totp", "DELETE"), (functions["DeleteTotp"].Route, Assert.Single(functions["DeleteTotp"].Methods)));
    }

    [Fact]
    public async Task The_openapi_document_lists_the_totp_routes()
    {
        var paths = (await (await app.CreateClient().GetAsync("/openapi/v1.json")).JsonAsync()).GetProperty("paths");
        Assert.True(paths.GetProperty("/v1/me/totp").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/v1/me/totp").TryGetProperty("delete", out _));
        Assert.True(paths.GetProperty("/v1/me/totp/attempt_verification").TryGetProperty("post", out _));
    }

    [Fact]
    public async Task Every_totp_route_needs_a_session_token()
    {
        var anonymous = app.CreateClient();
        var backend = app.BackendClient();
        foreach (var client in new[] { anonymous, backend })
        {
            await (await client.PostAsync("/v1/me/totp", null)).ErrorAsync(401, "authentication_invalid");
            await (await client.PostJsonAsync(TotpApi.VerifyPath, new { code = "123456" })).ErrorAsync(401, "authentication_invalid");
            await (await client.DeleteAsync("/v1/me/totp")).ErrorAsync(401, "authentication_invalid");
        }

        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await app.ClientWithToken(app.SessionToken(Wire.NewUserId())).GetAsync("/v1/me/totp")).StatusCode);
    }
}
