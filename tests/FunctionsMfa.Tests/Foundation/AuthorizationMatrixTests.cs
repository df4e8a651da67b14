using System.Net;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Foundation;

/// <summary>
/// Each credential opens only its own door: a client token its one sign-in, a session token its own user, the secret key
/// the backend routes. Another caller's resource is a 404 (ids are not confirmed to strangers); a credential of the wrong
/// kind on a route is a 401.
/// </summary>
public sealed class AuthorizationMatrixTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    private async Task<(string Id, string ClientToken, string SessionToken, string UserId)> CreateSignInAsync()
    {
        var userId = Wire.NewUserId();
        var created = await (await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = userId })).JsonAsync();
        return (created.GetProperty("id").GetString()!, created.GetProperty("client_token").GetString()!,
            created.GetProperty("session_token").GetString()!, userId);
    }

    [Fact]
    public async Task The_client_token_of_one_sign_in_cannot_read_another_sign_in()
    {
        var a = await CreateSignInAsync();
        var b = await CreateSignInAsync();

        Assert.Equal(HttpStatusCode.OK, (await app.ClientWithToken(a.ClientToken).GetAsync($"/v1/client/sign_ins/{a.Id}")).StatusCode);
        var crossed = await (await app.ClientWithToken(a.ClientToken).GetAsync($"/v1/client/sign_ins/{b.Id}")).ErrorAsync(404, "resource_not_found");
        var unknown = await (await app.ClientWithToken(a.ClientToken).GetAsync("/v1/client/sign_ins/sia_" + new string('z', 26))).ErrorAsync(404, "resource_not_found");
        Assert.Equal(unknown.ToString(), crossed.ToString());
    }

    [Fact]
    public async Task A_client_route_refuses_every_credential_but_its_own_client_token_with_the_same_404()
    {
        var signIn = await CreateSignInAsync();
        var path = $"/v1/client/sign_ins/{signIn.Id}";

        var missing = await (await app.CreateClient().GetAsync(path)).ErrorAsync(404, "resource_not_found");
        var secretKey = await (await app.BackendClient().GetAsync(path)).ErrorAsync(404, "resource_not_found");
        var sessionOfTheSameUser = await (await app.ClientWithToken(signIn.SessionToken).GetAsync(path)).ErrorAsync(404, "resource_not_found");
        var tokenHashLike = await (await app.ClientWithToken(signIn.ClientToken[..^1] + (signIn.ClientToken[^1] == 'a' ? 'b' : 'a')).GetAsync(path)).ErrorAsync(404, "resource_not_found");

        Assert.All(new[] { secretKey, sessionOfTheSameUser, tokenHashLike }, e => Assert.Equal(missing.ToString(), e.ToString()));
    }

    [Fact]
    public async Task Backend_routes_refuse_client_tokens_and_session_tokens()
    {
        var signIn = await CreateSignInAsync();

        foreach (var token in new[] { signIn.ClientToken, signIn.SessionToken })
        {
            var client = app.ClientWithToken(token);
            await (await client.PostJsonAsync("/v1/sign_ins", new { user_id = Wire.NewUserId() })).ErrorAsync(401, "authentication_invalid");
            await (await client.GetAsync($"/v1/sign_ins/{signIn.Id}")).ErrorAsync(401, "authentication_invalid");
        }
    }

    [Fact]
    public async Task Me_routes_refuse_a_client_token_and_the_secret_key()
    {
        var signIn = await CreateSignInAsync();

        await (await app.ClientWithToken(signIn.ClientToken).GetAsync("/v1/me")).ErrorAsync(401, "authentication_invalid");
        await (await app.BackendClient().GetAsync("/v1/me")).ErrorAsync(401, "authentication_invalid");
    }

    [Fact]
    public async Task A_session_token_only_ever_reads_its_own_user()
    {
        var a = await CreateSignInAsync();
        var b = await CreateSignInAsync();

        var meA = await (await app.ClientWithToken(a.SessionToken).GetAsync("/v1/me")).JsonAsync();
        var meB = await (await app.ClientWithToken(b.SessionToken).GetAsync("/v1/me")).JsonAsync();
        Assert.Equal(a.UserId, meA.GetProperty("id").GetString());
        Assert.Equal(b.UserId, meB.GetProperty("id").GetString());

        // Nothing in the request can point a session at another user: user ids in the query or body are not read.
        var steered = await app.ClientWithToken(a.SessionToken).GetAsync($"/v1/me?user_id={b.UserId}");
        Assert.Equal(a.UserId, (await steered.JsonAsync()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_session_of_one_user_cannot_read_another_users_sign_in()
    {
        var a = await CreateSignInAsync();
        var b = await CreateSignInAsync();

        await (await app.ClientWithToken(a.SessionToken).GetAsync($"/v1/client/sign_ins/{b.Id}")).ErrorAsync(404, "resource_not_found");
        await (await app.ClientWithToken(a.SessionToken).GetAsync($"/v1/sign_ins/{b.Id}")).ErrorAsync(401, "authentication_invalid");
    }
}
