using Microsoft.Extensions.Options;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Functions.Auth;
using System.Net;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Foundation;

public sealed class AuthenticationTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Theory]
    [InlineData(null)]
    [InlineData("Bearer sk_wrong_key_000000000000")]
    [InlineData("Basic c2s6")]
    [InlineData("Bearer ")]
    public async Task Backend_routes_refuse_a_missing_or_wrong_secret_key(string? authorization)
    {
        var client = app.CreateClient();
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }

        var response = await client.PostJsonAsync("/v1/sign_ins", new { user_id = Wire.NewUserId() });
        await response.ErrorAsync(401, "authentication_invalid");
    }

    [Fact]
    public async Task A_session_token_is_not_a_secret_key()
    {
        var response = await app.ClientWithToken(app.SessionToken(Wire.NewUserId())).GetAsync("/v1/sign_ins/sia_abc");
        await response.ErrorAsync(401, "authentication_invalid");
    }

    [Fact]
    public async Task The_secret_key_is_not_a_session_token()
    {
        var response = await app.BackendClient().GetAsync("/v1/me");
        await response.ErrorAsync(401, "authentication_invalid");
    }

    [Fact]
    public async Task Me_refuses_no_token_a_tampered_token_and_an_expired_token()
    {
        var userId = Wire.NewUserId();
        (await app.CreateClient().GetAsync("/v1/me")).EnsureNotSuccess();
        await (await app.CreateClient().GetAsync("/v1/me")).ErrorAsync(401, "authentication_invalid");

        var token = app.SessionToken(userId);
        var parts = token.Split('.');
        var tamperedPayload = parts[1][..^2] + (parts[1][^2] == 'A' ? "B" : "A") + parts[1][^1];
        await (await app.ClientWithToken($"{parts[0]}.{tamperedPayload}.{parts[2]}").GetAsync("/v1/me")).ErrorAsync(401, "authentication_invalid");
        await (await app.ClientWithToken($"{parts[0]}.{parts[1]}.").GetAsync("/v1/me")).ErrorAsync(401, "authentication_invalid");
        await (await app.ClientWithToken("not.a.jwt").GetAsync("/v1/me")).ErrorAsync(401, "authentication_invalid");

        Assert.Equal(HttpStatusCode.OK, (await app.ClientWithToken(token).GetAsync("/v1/me")).StatusCode);
        app.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await app.ClientWithToken(token).GetAsync("/v1/me")).StatusCode);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await (await app.ClientWithToken(token).GetAsync("/v1/me")).ErrorAsync(401, "authentication_invalid");
    }

    [Fact]
    public async Task A_token_signed_by_another_key_is_refused()
    {
        // Another deployment's key: a well-formed ES256 token with a key id this service does not publish.
        var otherKey = LocalDevelopment.GenerateKeys().Single(k => k.Key == "Mfa__Sessions__SigningKeys__0").Value.Replace("dev1:", "other:", StringComparison.Ordinal);
        using var otherIssuer = new SessionTokens(
            Options.Create(new SessionTokenOptions { SigningKeys = [otherKey] }), Options.Create(new MfaOptions { Issuer = "FunctionsMfa Test" }), app.Time);
        var foreign = otherIssuer.Issue(Wire.NewUserId(), "sess_other" + Guid.NewGuid().ToString("N"), ["pwd"], app.Time.GetUtcNow(), null);
        await (await app.ClientWithToken(foreign).GetAsync("/v1/me")).ErrorAsync(401, "authentication_invalid");
    }

    [Fact]
    public async Task Me_shows_only_the_token_subject()
    {
        var alice = Wire.NewUserId();
        var body = await (await app.ClientWithToken(app.SessionToken(alice)).GetAsync("/v1/me")).JsonAsync();
        Assert.Equal(alice, body.GetProperty("id").GetString());
        Assert.Equal("user", body.GetProperty("object").GetString());
        Assert.False(body.GetProperty("two_factor_enabled").GetBoolean());
    }

    [Fact]
    public async Task Jwks_publishes_the_signing_key_by_kid()
    {
        var jwks = await (await app.CreateClient().GetAsync("/.well-known/jwks.json")).JsonAsync();
        var key = jwks.GetProperty("keys")[0];
        Assert.Equal("EC", key.GetProperty("kty").GetString());
        Assert.Equal("P-256", key.GetProperty("crv").GetString());
        Assert.Equal("ES256", key.GetProperty("alg").GetString());
        Assert.Equal("dev1", key.GetProperty("kid").GetString());
        Assert.False(key.TryGetProperty("d", out _));
    }
}

internal static class ResponseAssertions
{
    public static void EnsureNotSuccess(this HttpResponseMessage response) =>
        Assert.False(response.IsSuccessStatusCode, $"Expected a failure, got {(int)response.StatusCode}.");
}
